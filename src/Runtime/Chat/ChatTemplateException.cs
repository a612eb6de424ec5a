namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>
/// A chat template could not be read, parsed or rendered: names the template file (when there is one), the line and
/// column in the template, and the reason. <see cref="IsRaisedByTemplate"/> is true for the template's own
/// <c>raise_exception(…)</c> (e.g. "Conversation roles must alternate…").
/// </summary>
public sealed class ChatTemplateException : Exception
{
    public ChatTemplateException(string? filePath, int line, int column, string reason, bool isRaisedByTemplate = false, Exception? inner = null)
        : base(Format(filePath, line, column, reason), inner)
    {
        FilePath = filePath;
        Line = line;
        Column = column;
        Reason = reason;
        IsRaisedByTemplate = isRaisedByTemplate;
    }

    /// <summary>The file the template came from, or null for a template given as text.</summary>
    public string? FilePath { get; }

    /// <summary>1-based line in the template; 0 when the problem has no place in it (a missing file).</summary>
    public int Line { get; }

    /// <summary>1-based column in the template; 0 when the problem has no place in it.</summary>
    public int Column { get; }

    /// <summary>The reason, without the place.</summary>
    public string Reason { get; }

    /// <summary>True when the template itself raised the error through <c>raise_exception</c>.</summary>
    public bool IsRaisedByTemplate { get; }

    private static string Format(string? filePath, int line, int column, string reason)
    {
        var where = filePath is null ? "chat template" : Path.GetFileName(filePath) + " (chat template)";
        return line > 0 ? $"{where}, line {line}, column {column}: {reason}" : $"{where}: {reason}";
    }
}
