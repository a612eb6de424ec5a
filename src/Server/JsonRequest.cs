using System.Text.Json;

namespace PrecisionAnalyzers.Server;

/// <summary>
/// Reads one request body as the OpenAI API does: a JSON object whose fields have the documented types; an unknown field,
/// a wrong type or a value out of range is a 400 naming the field, never a server error.
/// </summary>
internal sealed class JsonRequest
{
    private readonly JsonElement _root;

    private JsonRequest(JsonElement root)
    {
        _root = root;
    }

    /// <summary>Parses <paramref name="body"/>; throws <see cref="ApiException"/> (400) unless it is a JSON object with only <paramref name="known"/> fields.</summary>
    public static JsonRequest Parse(ReadOnlyMemory<byte> body, IReadOnlySet<string> known)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"We could not parse the JSON body of your request: {e.Message}");
        }

        var root = document.RootElement.Clone();
        document.Dispose();
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest($"The request body must be a JSON object, not {Kind(root)}.");
        }

        foreach (var property in root.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                throw ApiException.BadRequest($"Unrecognized request argument supplied: {property.Name}", property.Name);
            }
        }

        return new JsonRequest(root);
    }

    public JsonElement? Get(string name) =>
        _root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public JsonElement Required(string name) =>
        Get(name) ?? throw ApiException.BadRequest($"Missing required parameter: '{name}'.", name);

    public string? String(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        var value => throw WrongType(name, "a string", value.Value),
    };

    public bool? Bool(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        var value => throw WrongType(name, "a boolean", value.Value),
    };

    public double? Number(string name, double min, double max)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            throw WrongType(name, "a number", value);
        }

        return number >= min && number <= max
            ? number
            : throw ApiException.BadRequest($"{number} is out of range for '{name}': it must be in [{min}, {max}].", name);
    }

    public long? Integer(string name, long min, long max)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            throw WrongType(name, "an integer", value);
        }

        return number >= min && number <= max
            ? number
            : throw ApiException.BadRequest($"{number} is out of range for '{name}': it must be in [{min}, {max}].", name);
    }

    /// <summary><c>stop</c>: a string or up to four strings.</summary>
    public IReadOnlyList<string> Stops(string name = "stop")
    {
        switch (Get(name))
        {
            case null:
                return [];
            case { ValueKind: JsonValueKind.String } one:
                return [one.GetString()!];
            case { ValueKind: JsonValueKind.Array } many:
                var stops = many.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String ? item.GetString()! : throw WrongType(name, "a string or an array of strings", many)).ToArray();
                return stops.Length <= 4 ? stops : throw ApiException.BadRequest($"'{name}' takes at most 4 sequences, got {stops.Length}.", name);
            case var other:
                throw WrongType(name, "a string or an array of strings", other.Value);
        }
    }

    /// <summary>A field this server accepts only at its default (e.g. <c>n</c> = 1, a penalty of 0).</summary>
    public void OnlyDefault(string name, Func<JsonElement, bool> isDefault, string what)
    {
        if (Get(name) is { } value && !isDefault(value))
        {
            throw ApiException.BadRequest($"'{name}' is not supported by this server except {what}; got {value.GetRawText()}.", name);
        }
    }

    public static ApiException WrongType(string name, string expected, JsonElement value) =>
        ApiException.BadRequest($"Invalid type for '{name}': expected {expected}, but got {Kind(value)}.", name, "invalid_type");

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
