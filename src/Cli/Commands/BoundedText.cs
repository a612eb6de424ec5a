using System.Globalization;
using System.Text;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>
/// Reads the text the user points a verb at (a file of texts, a prompt file, chat lines on stdin) with a limit, so that a
/// device (<c>/dev/zero</c>), a FIFO or an endless stream fails with a message instead of filling memory or blocking.
/// </summary>
internal static class BoundedText
{
    /// <summary>The largest text file read (64 MiB).</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    /// <summary>The longest line read from an interactive stream (1 Mi characters).</summary>
    public const int MaxLineCharacters = 1024 * 1024;

    /// <summary>The whole of a regular text file named by <paramref name="flag"/>, at most <see cref="MaxFileBytes"/>.</summary>
    public static string ReadFile(string path, string flag)
    {
        var length = CheckFile(path, flag);
        var bytes = new byte[length];
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);

            // A file that grows while it is read is read as long as it was.
            stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new BadInputException($"{flag}: cannot read {path}: permission denied.", e);
        }

        return new UTF8Encoding(false, throwOnInvalidBytes: false).GetString(bytes).TrimStart('\uFEFF');
    }

    /// <summary>The non-empty lines of a regular text file named by <paramref name="flag"/>.</summary>
    public static IReadOnlyList<string> ReadLines(string path, string flag) =>
        ReadFile(path, flag).Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.Trim().Length > 0).ToArray();

    /// <summary>The next line of <paramref name="reader"/> (null at its end); bad input when it passes <paramref name="maxCharacters"/>.</summary>
    public static string? ReadLine(TextReader reader, int maxCharacters = MaxLineCharacters)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var line = new StringBuilder();
        while (true)
        {
            var c = reader.Read();
            if (c < 0)
            {
                return line.Length == 0 ? null : line.ToString();
            }

            if (c == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            if (line.Length >= maxCharacters)
            {
                throw new BadInputException(string.Create(CultureInfo.InvariantCulture, $"an input line is longer than {maxCharacters} characters; give shorter lines."));
            }

            line.Append((char)c);
        }
    }

    /// <summary>The length of <paramref name="path"/> when it is a regular, non-empty file within the limit; bad input naming <paramref name="flag"/> otherwise.</summary>
    private static long CheckFile(string path, string flag)
    {
        if (Directory.Exists(path))
        {
            throw new BadInputException($"{flag}: {path} is a folder; give a text file.");
        }

        if (!File.Exists(path))
        {
            throw new BadInputException($"{flag}: {path} does not exist.");
        }

        // Devices, FIFOs and /proc files report no length: refused, as reading them could block or never end.
        var length = new FileInfo(path).Length;
        if (length == 0)
        {
            throw new BadInputException($"{flag}: {path} is empty, or not a regular file (a device, a FIFO or a pipe); give a text file.");
        }

        if (length > MaxFileBytes)
        {
            throw new BadInputException(string.Create(CultureInfo.InvariantCulture, $"{flag}: {path} has {length} bytes, more than the {MaxFileBytes / (1024 * 1024)} MiB read; split it."));
        }

        return length;
    }
}
