using System.Text.Json;
using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Configuration;

/// <summary>Typed, validated access to the keys of one JSON object of a <c>config.json</c>, with errors that name the key.</summary>
internal sealed class ConfigReader
{
    private readonly JsonObject _json;
    private readonly string _source;
    private readonly string _prefix;

    public ConfigReader(JsonObject json, string source, string prefix = "")
    {
        _json = json;
        _source = source;
        _prefix = prefix;
    }

    public JsonObject Json => _json;

    public bool Has(string key) => _json.TryGetPropertyValue(key, out var node) && node is not null;

    public ConfigReader? Object(string key)
    {
        if (!_json.TryGetPropertyValue(key, out var node) || node is null)
        {
            return null;
        }

        return node is JsonObject obj ? new ConfigReader(obj, _source, _prefix + key + ".") : throw Error(key, "must be an object");
    }

    public string? String(string key)
    {
        if (!_json.TryGetPropertyValue(key, out var node) || node is null)
        {
            return null;
        }

        return node is JsonValue value && value.TryGetValue<string>(out var text) ? text : throw Error(key, "must be a string");
    }

    public bool? Bool(string key)
    {
        if (!_json.TryGetPropertyValue(key, out var node) || node is null)
        {
            return null;
        }

        return node is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : throw Error(key, "must be true or false");
    }

    public double? Double(string key)
    {
        if (!_json.TryGetPropertyValue(key, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var number) && double.IsFinite(number))
        {
            return number;
        }

        throw Error(key, "must be a finite number");
    }

    /// <summary>A whole number ≥ <paramref name="minimum"/>, or null when absent.</summary>
    public long? Integer(string key, long minimum = 0)
    {
        var number = Double(key);
        if (number is null)
        {
            return null;
        }

        if (number != Math.Floor(number.Value) || number.Value > 1e15)
        {
            throw Error(key, $"must be a whole number (got {number})");
        }

        if (number.Value < minimum)
        {
            throw Error(key, $"must be at least {minimum} (got {number})");
        }

        return (long)number.Value;
    }

    public long Required(string key, long minimum = 1) =>
        Integer(key, minimum) ?? throw Error(key, "is required");

    public IReadOnlyList<string>? StringList(string key)
    {
        if (!_json.TryGetPropertyValue(key, out var node) || node is null)
        {
            return null;
        }

        if (node is not JsonArray array)
        {
            throw Error(key, "must be an array of strings");
        }

        return array.Select(item => item is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Error(key, "must be an array of strings")).ToArray();
    }

    public ModelConfigException Error(string key, string message) => new(_source, _prefix + key, message);
}
