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

    /// <summary>
    /// The largest whole number a size key may hold: 10^15, far above any real model (the planner then says such a model
    /// cannot run) and small enough that doubles count it exactly.
    /// </summary>
    public const double MaxWhole = 1e15;

    /// <summary>A number above zero (an epsilon, a base, a factor, a cap), or null when absent.</summary>
    public double? Positive(string key)
    {
        var number = Double(key);
        return number is null or > 0 ? number : throw Error(key, $"must be above zero (got {number})");
    }

    /// <summary>A whole number ≥ <paramref name="minimum"/> and ≤ <paramref name="maximum"/>, or null when absent.</summary>
    public long? Integer(string key, long minimum = 0, double maximum = MaxWhole)
    {
        var number = Double(key);
        if (number is null)
        {
            return null;
        }

        if (number != Math.Floor(number.Value))
        {
            throw Error(key, $"must be a whole number (got {number})");
        }

        if (number.Value > maximum)
        {
            throw Error(key, $"is {number:G}, above {maximum:G}, the most this runtime accepts for it");
        }

        if (number.Value < minimum)
        {
            throw Error(key, $"must be at least {minimum} (got {number})");
        }

        return (long)number.Value;
    }

    public long Required(string key, long minimum = 1, double maximum = MaxWhole) =>
        Integer(key, minimum, maximum) ?? throw Error(key, "is required");

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
