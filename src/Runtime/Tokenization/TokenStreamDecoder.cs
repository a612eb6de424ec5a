using System.Text;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// Turns generated ids, given one at a time, into text as it becomes complete. A byte-level token can end
/// in the middle of a multi-byte UTF-8 character; those bytes are held back until the character is whole,
/// so the caller never sees U+FFFD for a split character.
/// </summary>
public sealed class TokenStreamDecoder
{
    private readonly CheckpointTokenizer _tokenizer;
    private readonly bool _includeSpecialTokens;
    private readonly List<byte> _pending = [];
    private bool _atStart = true;

    internal TokenStreamDecoder(CheckpointTokenizer tokenizer, bool includeSpecialTokens)
    {
        _tokenizer = tokenizer;
        _includeSpecialTokens = includeSpecialTokens;
    }

    /// <summary>Adds one id; returns the text completed by it (possibly empty).</summary>
    public string Add(int id)
    {
        _tokenizer.AppendBytes(id, _pending, _includeSpecialTokens, atStart: _atStart && _pending.Count == 0);
        var complete = CompletePrefixLength(_pending);
        return Take(complete);
    }

    /// <summary>Returns whatever is held back (an incomplete character decodes to U+FFFD here) and resets.</summary>
    public string Flush()
    {
        var text = Take(_pending.Count);
        _atStart = true;
        return text;
    }

    private string Take(int count)
    {
        if (count == 0)
        {
            return string.Empty;
        }

        var bytes = _pending.GetRange(0, count).ToArray();
        _pending.RemoveRange(0, count);
        var text = Encoding.UTF8.GetString(bytes);
        if (_atStart && _tokenizer.StripsLeadingSpace && text.StartsWith(' '))
        {
            text = text[1..];
        }

        _atStart = false;
        return text;
    }

    /// <summary>Length of the longest prefix that does not end inside a UTF-8 sequence.</summary>
    internal static int CompletePrefixLength(List<byte> bytes)
    {
        var n = bytes.Count;
        // Walk back over at most three continuation bytes to the lead byte of the last sequence.
        for (var back = 1; back <= Math.Min(4, n); back++)
        {
            var b = bytes[n - back];
            if ((b & 0xC0) == 0x80)
            {
                continue; // continuation byte
            }

            var needed = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
            return back >= needed ? n : n - back;
        }

        // Only continuation bytes at the end (invalid UTF-8): let them through rather than stall.
        return n;
    }
}
