namespace PrecisionAnalyzers.Benchmarks.Decode;

/// <summary>
/// One greedy generation, timed the same way on both sides: <see cref="Prefill"/> is the forward over the prompt that
/// yields the first token; <see cref="Decode"/> the one-token forwards after it (<see cref="DecodeSteps"/> of them).
/// </summary>
internal sealed record TimedGeneration(IReadOnlyList<int> Tokens, int PromptTokens, TimeSpan Prefill, TimeSpan Decode, IReadOnlyList<float[]>? Logits)
{
    public int DecodeSteps => Tokens.Count - 1;

    public double PrefillTokensPerSecond => PromptTokens / Prefill.TotalSeconds;

    public double DecodeTokensPerSecond => DecodeSteps / Decode.TotalSeconds;
}
