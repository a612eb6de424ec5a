using System.Text.Json;
using System.CommandLine;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary><c>--var NAME=VALUE</c>: extra chat-template variables (<c>enable_thinking=false</c>, <c>date_string="26 Jul 2024"</c>).</summary>
internal static class TemplateVariables
{
    public static Option<string[]> Option() => new("--var")
    {
        Description = "A chat-template variable, NAME=VALUE (VALUE as JSON when it parses: true, false, numbers; else text), e.g. enable_thinking=false; repeat for more.",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>The parsed variables, or null for none; bad input for a malformed one.</summary>
    public static IReadOnlyDictionary<string, object?>? Parse(string[]? values)
    {
        if (values is not { Length: > 0 })
        {
            return null;
        }

        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? value[..equals].Trim() : string.Empty;
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new BadInputException($"--var: '{value}' is not NAME=VALUE with a name of letters, digits and underscores.");
            }

            result[name] = Value(value[(equals + 1)..]);
        }

        return result;
    }

    private static object? Value(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return Convert(document.RootElement);
        }
        catch (JsonException)
        {
            return text;
        }
    }

    private static object? Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        JsonValueKind.Number => element.TryGetInt64(out var l) ? l : element.GetDouble(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Array => element.EnumerateArray().Select(Convert).ToList(),
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => Convert(p.Value)),
        _ => element.GetRawText(),
    };
}
