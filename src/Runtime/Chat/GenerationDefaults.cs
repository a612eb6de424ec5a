using System.Text.Json;
using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>
/// The sampling defaults of a checkpoint's <c>generation_config.json</c>: <c>do_sample</c>, <c>temperature</c>,
/// <c>top_p</c>, <c>top_k</c>, and the <c>eos_token_id</c> list. As in transformers, the sampling values apply only
/// when <c>do_sample</c> is true; otherwise decoding is greedy.
/// </summary>
public sealed record GenerationDefaults(bool DoSample, double? Temperature, double? TopP, int? TopK, IReadOnlyList<int> EosTokenIds)
{
    public const string FileName = "generation_config.json";

    /// <summary>No generation_config.json: greedy decoding, no extra stop tokens.</summary>
    public static readonly GenerationDefaults None = new(false, null, null, null, []);

    /// <summary>Reads <c>generation_config.json</c> of <paramref name="folder"/>; <see cref="None"/> when there is none.</summary>
    /// <exception cref="ChatTemplateException">The file is not valid JSON or a field has the wrong type.</exception>
    public static GenerationDefaults Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return None;
        }

        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject ?? throw new ChatTemplateException(path, 0, 0, "expected a JSON object at the top level");
        }
        catch (JsonException e)
        {
            throw new ChatTemplateException(path, 0, 0, $"malformed JSON: {e.Message}", inner: e);
        }

        T? Read<T>(string name)
            where T : struct
        {
            var node = root[name];
            if (node is null)
            {
                return null;
            }

            return node is JsonValue value && value.TryGetValue<T>(out var result)
                ? result
                : throw new ChatTemplateException(path, 0, 0, $"{name} must be a {typeof(T).Name.ToLowerInvariant()}, found {node.ToJsonString()}");
        }

        var eos = root["eos_token_id"] switch
        {
            null => [],
            JsonValue v when v.TryGetValue<int>(out var id) => [id],
            JsonArray list => list.Select(item => item is JsonValue iv && iv.TryGetValue<int>(out var i) ? i : throw new ChatTemplateException(path, 0, 0, $"eos_token_id must list integers, found {item?.ToJsonString() ?? "null"}")).ToArray(),
            var other => throw new ChatTemplateException(path, 0, 0, $"eos_token_id must be an integer or a list of integers, found {other.ToJsonString()}"),
        };
        return new GenerationDefaults(Read<bool>("do_sample") ?? false, Read<double>("temperature"), Read<double>("top_p"), Read<int>("top_k"), eos);
    }
}
