using PrecisionAnalyzers.Runtime.Models;

namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary>
/// The weights a BERT-style encoder needs, by canonical name (<c>embeddings.word_embeddings.weight</c>, …) and shape, and
/// where each is in a weight source: with or without the family prefix (<c>bert.</c>, <c>roberta.</c>), LayerNorm
/// parameters as <c>weight</c>/<c>bias</c> or the TF-era <c>gamma</c>/<c>beta</c>. Heads (<c>pooler.*</c>, <c>cls.*</c>,
/// <c>lm_head.*</c>) and buffers (<c>position_ids</c>) are ignored; anything else unknown is an error.
/// </summary>
internal sealed class EncoderWeightMap
{
    private static readonly string[] IgnoredBody = ["pooler.", "embeddings.position_ids", "embeddings.token_type_ids"];

    private readonly Dictionary<string, string> _sourceName;

    private EncoderWeightMap(string prefix, Dictionary<string, long[]> expected, Dictionary<string, string> sourceName)
    {
        Prefix = prefix;
        Expected = expected;
        _sourceName = sourceName;
    }

    /// <summary>The prefix the source puts before body names ("" when none).</summary>
    public string Prefix { get; }

    /// <summary>Canonical name → expected shape.</summary>
    public IReadOnlyDictionary<string, long[]> Expected { get; }

    public static string Layer(int i, string name) => $"encoder.layer.{i}.{name}";

    /// <summary>Maps <paramref name="weights"/> onto the model <paramref name="config"/> describes, or throws one <see cref="WeightMappingException"/> listing every problem.</summary>
    public static EncoderWeightMap For(EncoderConfig config, IWeightSource weights)
    {
        var names = new HashSet<string>(weights.Names, StringComparer.Ordinal);
        var prefix = names.Any(n => n.StartsWith(config.Family.WeightPrefix + "embeddings.", StringComparison.Ordinal)) ? config.Family.WeightPrefix : "";
        var expected = ExpectedShapes(config);

        var sourceName = new Dictionary<string, string>(StringComparer.Ordinal);
        var missing = new List<string>();
        var misShaped = new List<string>();
        foreach (var (canonical, shape) in expected)
        {
            var found = Candidates(prefix + canonical).FirstOrDefault(names.Contains);
            if (found is null)
            {
                missing.Add(prefix + canonical);
                continue;
            }

            sourceName[canonical] = found;
            var actual = weights.Shape(found) ?? [];
            if (!actual.SequenceEqual(shape))
            {
                misShaped.Add($"{found}{Models.WeightPlan.InFile(weights, found)}: expected [{string.Join(", ", shape)}], found [{string.Join(", ", actual)}]");
            }
        }

        var used = new HashSet<string>(sourceName.Values, StringComparer.Ordinal);
        var unexpected = names
            .Where(n => !used.Contains(n) && IsBody(n, prefix) && !IgnoredBody.Any(i => n[prefix.Length..].StartsWith(i, StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .Select(n => n + Models.WeightPlan.InFile(weights, n))
            .ToList();

        if (missing.Count > 0 || unexpected.Count > 0 || misShaped.Count > 0)
        {
            throw new WeightMappingException(config.Model.ModelType, missing, unexpected, misShaped, weights.Location);
        }

        return new EncoderWeightMap(prefix, expected, sourceName);
    }

    /// <summary>The source's name for canonical <paramref name="name"/>.</summary>
    public string SourceName(string name) => _sourceName[name];

    /// <summary>Canonical names and shapes of every weight the encoder of <paramref name="config"/> needs.</summary>
    public static Dictionary<string, long[]> ExpectedShapes(EncoderConfig config)
    {
        var m = config.Model;
        long h = m.HiddenSize, i = m.IntermediateSize;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            ["embeddings.word_embeddings.weight"] = [m.VocabSize, h],
            ["embeddings.position_embeddings.weight"] = [m.MaxPositionEmbeddings ?? 512, h],
            ["embeddings.LayerNorm.weight"] = [h],
            ["embeddings.LayerNorm.bias"] = [h],
        };
        if (m.TypeVocabSize > 0)
        {
            shapes["embeddings.token_type_embeddings.weight"] = [m.TypeVocabSize, h];
        }

        for (var layer = 0; layer < m.NumHiddenLayers; layer++)
        {
            foreach (var projection in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
            {
                shapes[Layer(layer, projection + ".weight")] = [h, h];
                shapes[Layer(layer, projection + ".bias")] = [h];
            }

            shapes[Layer(layer, "attention.output.LayerNorm.weight")] = [h];
            shapes[Layer(layer, "attention.output.LayerNorm.bias")] = [h];
            shapes[Layer(layer, "intermediate.dense.weight")] = [i, h];
            shapes[Layer(layer, "intermediate.dense.bias")] = [i];
            shapes[Layer(layer, "output.dense.weight")] = [h, i];
            shapes[Layer(layer, "output.dense.bias")] = [h];
            shapes[Layer(layer, "output.LayerNorm.weight")] = [h];
            shapes[Layer(layer, "output.LayerNorm.bias")] = [h];
        }

        return shapes;
    }

    private static IEnumerable<string> Candidates(string name)
    {
        yield return name;
        if (name.EndsWith("LayerNorm.weight", StringComparison.Ordinal))
        {
            yield return name[..^"weight".Length] + "gamma";
        }
        else if (name.EndsWith("LayerNorm.bias", StringComparison.Ordinal))
        {
            yield return name[..^"bias".Length] + "beta";
        }
    }

    // With a prefix, names outside it (cls.*, lm_head.*, heads of task models) are not the encoder's business.
    private static bool IsBody(string name, string prefix) =>
        prefix.Length == 0
            ? name.StartsWith("embeddings.", StringComparison.Ordinal) || name.StartsWith("encoder.", StringComparison.Ordinal)
            : name.StartsWith(prefix, StringComparison.Ordinal);
}
