using System.Globalization;
using System.Text.Json;

namespace PrecisionAnalyzers.Runtime.Inputs;

/// <summary>How the readers parse JSON files: duplicate keys refused, bounded depth, and errors that say where without quoting the file.</summary>
public static class JsonInput
{
    /// <summary>Strict JSON: no comments, no trailing commas, no key twice in an object, at most 64 levels deep.</summary>
    public static JsonDocumentOptions Options { get; } = new()
    {
        AllowDuplicateProperties = false,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
    };

    /// <summary>The problem of a parse failure: the duplicate key it names, or the line and byte where the JSON breaks.</summary>
    public static string Describe(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.Message.StartsWith("Duplicate property", StringComparison.Ordinal))
        {
            var quoted = exception.Message.Split('\'');
            var key = quoted.Length >= 3 ? quoted[1] : "?";
            var where = string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? "" : $" (in {exception.Path})";
            return $"has the key '{key}' twice in one object{where}: a key may appear once";
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"is not valid JSON (line {(exception.LineNumber ?? 0) + 1}, byte {(exception.BytePositionInLine ?? 0) + 1})");
    }
}
