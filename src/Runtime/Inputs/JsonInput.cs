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

    /// <summary>The key a parse failure found twice in one object, or null when the failure is something else.</summary>
    public static string? DuplicateKey(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (!exception.Message.StartsWith("Duplicate property", StringComparison.Ordinal))
        {
            return null;
        }

        var quoted = exception.Message.Split('\'');
        return quoted.Length >= 3 ? quoted[1] : "?";
    }

    /// <summary>The problem of a parse failure: the duplicate key it names, or the line and byte where the JSON breaks.</summary>
    public static string Describe(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (DuplicateKey(exception) is { } key)
        {
            return $"has the key '{key}' twice in one object: a key may appear once";
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"is not valid JSON (line {(exception.LineNumber ?? 0) + 1}, byte {(exception.BytePositionInLine ?? 0) + 1})");
    }
}
