namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary>Text to the token ids an encoder reads, special tokens included.</summary>
public interface IEncoderTokenizer
{
    /// <summary>The id padding positions carry (they are masked out, so any valid id works).</summary>
    int PadTokenId { get; }

    /// <summary>
    /// Ids of <paramref name="text"/> with the model's special tokens, at most <paramref name="maxTokens"/> long;
    /// <paramref name="truncated"/> says whether the text was cut to fit.
    /// </summary>
    int[] Encode(string text, int maxTokens, out bool truncated);
}
