namespace PrecisionAnalyzers.Cli.Output;

/// <summary>The JSON of <c>precision run --json</c>. Field names are part of the CLI's contract.</summary>
/// <param name="PromptTokens">The prompt's token ids.</param>
/// <param name="Tokens">The generated token ids.</param>
/// <param name="Text">The generated text, or null without a tokenizer.</param>
/// <param name="Dtype">The dtype that produced the answer (the safer one after an overflow fallback).</param>
/// <param name="Device"><c>cpu</c> or <c>cuda:N</c>.</param>
/// <param name="Warnings">PREC1xx warnings of loading and generating.</param>
/// <param name="PrefillTokensPerSecond">Prompt tokens per second of the first forward pass.</param>
/// <param name="DecodeTokensPerSecond">Generated tokens per second after the first.</param>
/// <param name="PeakMemoryBytes">The process's peak resident memory.</param>
/// <param name="StopReason"><c>maxNewTokens</c> or <c>stopToken</c>.</param>
/// <param name="Truncated">The prompt cut to fit the context with the answer (PREC109): empty, or one entry.</param>
public sealed record RunJson(
    IReadOnlyList<int> PromptTokens,
    IReadOnlyList<int> Tokens,
    string? Text,
    string Dtype,
    string Device,
    IReadOnlyList<WarningJson> Warnings,
    double PrefillTokensPerSecond,
    double DecodeTokensPerSecond,
    long PeakMemoryBytes,
    string StopReason,
    IReadOnlyList<TruncationJson> Truncated);
