using PrecisionAnalyzers.Runtime.Diagnostics;

namespace PrecisionAnalyzers.Cli.Output;

/// <summary>One input cut to fit the model (PREC109), in <c>run --json</c> and <c>embed --json</c>. Field names are part of the CLI's contract.</summary>
/// <param name="Index">The input's position among those given (0 for <c>run</c>'s prompt).</param>
/// <param name="InputTokens">Tokens of the whole input, special tokens included.</param>
/// <param name="Limit">The limit it met: the encoder's max tokens, or the decoder's context length.</param>
/// <param name="KeptTokens">Tokens the model read.</param>
/// <param name="Kept"><c>start</c> (an encoder's text: its end was dropped) or <c>end</c> (a prompt: its start was dropped).</param>
public sealed record TruncationJson(int Index, int InputTokens, int Limit, int KeptTokens, string Kept)
{
    public static TruncationJson From(InputTruncation truncation) =>
        new(truncation.Index, truncation.InputTokens, truncation.Limit, truncation.KeptTokens, truncation.KeptEnd ? "end" : "start");
}
