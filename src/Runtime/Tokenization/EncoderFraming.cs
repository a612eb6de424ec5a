namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>Puts an encoder's special tokens around the ids of a text, cutting the text to fit a length.</summary>
internal static class EncoderFraming
{
    public static int[] Frame(int[] ids, IReadOnlyList<int> prefix, IReadOnlyList<int> suffix, int maxTokens, out bool truncated)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, prefix.Count + suffix.Count);
        var body = Math.Min(ids.Length, maxTokens - prefix.Count - suffix.Count);
        truncated = body < ids.Length;
        return [.. prefix, .. ids.AsSpan(0, body), .. suffix];
    }
}
