using System.Text.Json;
using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary>
/// <c>1_Pooling/config.json</c> in either format: the legacy booleans (<c>pooling_mode_cls_token</c>, …,
/// <c>word_embedding_dimension</c>) or the newer <c>pooling_mode</c> (a name or a list) with <c>embedding_dimension</c>.
/// Several modes are concatenated in the order cls, max, mean, mean_sqrt_len_tokens, weightedmean, lasttoken.
/// </summary>
/// <param name="Modes">The modes, in concatenation order; never empty.</param>
/// <param name="IncludePrompt">False: prompt tokens are left out of the pooling (cls and lasttoken pick the same token either way).</param>
/// <param name="Dimension">The token embedding width the config declares, when it does.</param>
public sealed record PoolingConfig(IReadOnlyList<PoolingMode> Modes, bool IncludePrompt = true, long? Dimension = null)
{
    private static readonly (string Legacy, string Name, PoolingMode Mode)[] Keys =
    [
        ("pooling_mode_cls_token", "cls", PoolingMode.Cls),
        ("pooling_mode_max_tokens", "max", PoolingMode.Max),
        ("pooling_mode_mean_tokens", "mean", PoolingMode.Mean),
        ("pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len_tokens", PoolingMode.MeanSqrtLen),
        ("pooling_mode_weightedmean_tokens", "weightedmean", PoolingMode.WeightedMean),
        ("pooling_mode_lasttoken", "lasttoken", PoolingMode.LastToken),
    ];

    /// <summary>Mean pooling over all tokens: what a plain transformer folder (no modules.json) gets.</summary>
    public static PoolingConfig Mean { get; } = new([PoolingMode.Mean]);

    /// <summary>The mode's name in the new format (<c>cls</c>, <c>mean_sqrt_len_tokens</c>, …).</summary>
    public static string Name(PoolingMode mode) => Keys.First(k => k.Mode == mode).Name;

    /// <summary>Reads <c>config.json</c> of a pooling module folder.</summary>
    public static PoolingConfig Load(string folder)
    {
        var file = Path.Combine(folder, "config.json");
        if (!Inputs.InputFile.IsPresent(file))
        {
            throw new SentenceModelException(folder, "the Pooling module folder has no config.json");
        }

        return Parse(Inputs.InputFile.ReadAllText(file, folder, Inputs.InputFile.MaxConfigBytes, (reason, inner) => new SentenceModelException(file, reason, inner)), file);
    }

    /// <summary>Parses a pooling config; <paramref name="source"/> names it in errors.</summary>
    public static PoolingConfig Parse(string json, string source = "1_Pooling/config.json")
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: Inputs.JsonInput.Options) as JsonObject ?? throw new SentenceModelException(source, "must hold a JSON object");
        }
        catch (JsonException e)
        {
            throw new SentenceModelException(source, Inputs.JsonInput.Describe(e), e);
        }

        var includePrompt = Bool(root, "include_prompt", source) ?? true;
        var dimension = root["embedding_dimension"] ?? root["word_embedding_dimension"];
        long? width = dimension is null ? null : Integer(dimension, source, "embedding_dimension");

        var modes = new List<PoolingMode>();
        if (root["pooling_mode"] is { } named)
        {
            var names = named switch
            {
                JsonValue value when value.TryGetValue<string>(out var one) => [one],
                JsonArray list => list.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new SentenceModelException(source, "pooling_mode must be a name or a list of names")).ToArray(),
                _ => throw new SentenceModelException(source, "pooling_mode must be a name or a list of names"),
            };
            foreach (var name in names)
            {
                var key = Keys.FirstOrDefault(k => k.Name == name);
                if (key.Name is null)
                {
                    throw new SentenceModelException(source, $"pooling_mode '{name}' is not one of {string.Join(", ", Keys.Select(k => k.Name))}");
                }

                modes.Add(key.Mode);
            }

            modes = Keys.Select(k => k.Mode).Where(modes.Contains).ToList();
        }
        else
        {
            modes.AddRange(Keys.Where(k => Bool(root, k.Legacy, source) == true).Select(k => k.Mode));
            if (modes.Count == 0)
            {
                modes.Add(PoolingMode.Mean);
            }
        }

        return new PoolingConfig(modes, includePrompt, width);
    }

    private static bool? Bool(JsonObject root, string key, string source) => root[key] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<bool>(out var b) => b,
        _ => throw new SentenceModelException(source, $"{key} must be true or false"),
    };

    private static long Integer(JsonNode node, string source, string key) =>
        node is JsonValue value && value.TryGetValue<long>(out var n) && n > 0 ? n : throw new SentenceModelException(source, $"{key} must be a positive integer");
}
