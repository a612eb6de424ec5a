using System.Globalization;

namespace PrecisionAnalyzers.Runtime.Diagnostics;

/// <summary>
/// An input cut to fit the model (PREC109): the text or prompt at <paramref name="Index"/> had
/// <paramref name="InputTokens"/> tokens, the model takes <paramref name="Limit"/>, and <paramref name="KeptTokens"/> were kept.
/// </summary>
/// <param name="Index">The input's position among those given (0 for a single prompt).</param>
/// <param name="InputTokens">Tokens of the whole input, special tokens included.</param>
/// <param name="Limit">The limit it met: an encoder's max tokens, or a decoder's context length.</param>
/// <param name="KeptTokens">Tokens the model read.</param>
/// <param name="Reason">Where the limit comes from, e.g. <c>max_seq_length</c>.</param>
/// <param name="KeptEnd">True when the end of the input was kept (a prompt), false when its start was (an encoder's text).</param>
public sealed record InputTruncation(int Index, int InputTokens, int Limit, int KeptTokens, string Reason, bool KeptEnd)
{
    /// <summary>The PREC109 warning that says so, naming the input as <paramref name="what"/> (e.g. "the text at index 3", "the prompt").</summary>
    public PrecisionWarning ToWarning(string what) => new(
        RuntimeCodes.InputTruncated,
        string.Create(CultureInfo.InvariantCulture,
            $"{what} has {InputTokens} tokens and the model takes {Limit} ({Reason}): {(KeptEnd ? "the last" : "the first")} {KeptTokens} were kept, {InputTokens - KeptTokens} dropped."));
}
