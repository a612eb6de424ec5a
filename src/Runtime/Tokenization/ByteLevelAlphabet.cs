namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// The byte-to-character table of byte-level BPE (GPT-2, Llama 3, Qwen2): printable bytes stand for
/// themselves, the other 68 bytes map to the characters from U+0100 upwards, in byte order.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildTable();
    private static readonly Dictionary<char, byte> CharToByte = BuildInverse();

    public static char ToChar(byte value) => ByteToChar[value];

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = ByteToChar[bytes[i]];
        }

        return new string(chars);
    }

    /// <summary>Bytes of a byte-level token; false when a character is outside the alphabet.</summary>
    public static bool TryDecode(string token, List<byte> into)
    {
        foreach (var c in token)
        {
            if (!CharToByte.TryGetValue(c, out var b))
            {
                return false;
            }

            into.Add(b);
        }

        return true;
    }

    private static bool StandsForItself(int b) =>
        (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);

    private static char[] BuildTable()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            table[b] = StandsForItself(b) ? (char)b : (char)next++;
        }

        return table;
    }

    private static Dictionary<char, byte> BuildInverse()
    {
        var inverse = new Dictionary<char, byte>(256);
        for (var b = 0; b < 256; b++)
        {
            inverse[ByteToChar[b]] = (byte)b;
        }

        return inverse;
    }
}
