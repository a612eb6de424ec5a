using PrecisionAnalyzers.Runtime.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// The weights a decoder needs, by Hugging Face name and shape, checked against a weight source before any tensor is
/// read: every missing, unexpected and mis-shaped name is reported in one <see cref="WeightMappingException"/>.
/// </summary>
public sealed class WeightPlan
{
    private readonly Dictionary<string, long[]> _expected = new(StringComparer.Ordinal);

    private WeightPlan(ModelConfig config, DecoderFamily family, WeightLayout layout)
    {
        Config = config;
        Family = family;
        Layout = layout;
        var h = config.HiddenSize;
        var q = config.NumAttentionHeads * config.HeadDim;
        var kv = config.NumKeyValueHeads * config.HeadDim;
        var i = config.IntermediateSize;
        var qkvBias = family.QkvBias || config.AttentionBias;

        Add(Body("embed_tokens.weight"), config.VocabSize, h);
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            Add(LayerName(layer, "input_layernorm.weight"), h);
            Add(LayerName(layer, "self_attn.q_proj.weight"), q, h);
            Add(LayerName(layer, "self_attn.k_proj.weight"), kv, h);
            Add(LayerName(layer, "self_attn.v_proj.weight"), kv, h);
            Add(LayerName(layer, "self_attn.o_proj.weight"), h, q);
            if (qkvBias)
            {
                Add(LayerName(layer, "self_attn.q_proj.bias"), q);
                Add(LayerName(layer, "self_attn.k_proj.bias"), kv);
                Add(LayerName(layer, "self_attn.v_proj.bias"), kv);
            }

            if (config.AttentionBias)
            {
                Add(LayerName(layer, "self_attn.o_proj.bias"), h);
            }

            if (family.QkNorm)
            {
                Add(LayerName(layer, "self_attn.q_norm.weight"), config.HeadDim);
                Add(LayerName(layer, "self_attn.k_norm.weight"), config.HeadDim);
            }

            Add(LayerName(layer, "post_attention_layernorm.weight"), h);
            if (family.SandwichNorms)
            {
                Add(LayerName(layer, "pre_feedforward_layernorm.weight"), h);
                Add(LayerName(layer, "post_feedforward_layernorm.weight"), h);
            }

            Add(LayerName(layer, "mlp.gate_proj.weight"), i, h);
            Add(LayerName(layer, "mlp.up_proj.weight"), i, h);
            Add(LayerName(layer, "mlp.down_proj.weight"), h, i);
            if (config.MlpBias)
            {
                Add(LayerName(layer, "mlp.gate_proj.bias"), i);
                Add(LayerName(layer, "mlp.up_proj.bias"), i);
                Add(LayerName(layer, "mlp.down_proj.bias"), h);
            }
        }

        Add(Body("norm.weight"), h);
        if (!config.TieWordEmbeddings)
        {
            Add(layout.HeadName, config.VocabSize, h);
        }
    }

    public ModelConfig Config { get; }

    public DecoderFamily Family { get; }

    public WeightLayout Layout { get; }

    /// <summary>Every expected name with its shape.</summary>
    public IReadOnlyDictionary<string, long[]> Expected => _expected;

    /// <summary>The plan for <paramref name="config"/>, laid out as <paramref name="weights"/> names things.</summary>
    /// <exception cref="Diagnostics.UnsupportedModelException">The runtime does not implement the model (PREC111).</exception>
    public static WeightPlan For(ModelConfig config, IWeightSource weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        if (RuntimeSupport.Problem(config) is { } problem)
        {
            // Before the per-layer names: a model built without a plan still never walks half a billion layers.
            throw new Diagnostics.UnsupportedModelException(problem + ".");
        }

        var family = DecoderFamilies.For(config);
        return new WeightPlan(config, family, family.Layout(weights));
    }

    /// <summary>The full name of a body weight such as <c>norm.weight</c>.</summary>
    public string Body(string name) => Layout.ModelPrefix + name;

    /// <summary>The full name of a weight of layer <paramref name="layer"/>.</summary>
    public string LayerName(int layer, string name) => $"{Layout.ModelPrefix}layers.{layer}.{name}";

    /// <summary>Whether the plan expects <paramref name="name"/>.</summary>
    public bool Has(string name) => _expected.ContainsKey(name);

    /// <summary>Throws one <see cref="WeightMappingException"/> listing every problem, or returns when the weights fit.</summary>
    public void Validate(IWeightSource weights)
    {
        var missing = new List<string>();
        var misShaped = new List<string>();
        foreach (var (name, shape) in _expected)
        {
            var actual = weights.Shape(name);
            if (actual is null)
            {
                missing.Add(name);
            }
            else if (!actual.SequenceEqual(shape))
            {
                misShaped.Add($"{name}{InFile(weights, name)}: expected [{string.Join(", ", shape)}], found [{string.Join(", ", actual)}]");
            }
        }

        var unexpected = weights.Names
            .Where(name => !_expected.ContainsKey(name) && !Family.IsIgnored(name) && !IsTiedHead(name))
            .Order(StringComparer.Ordinal)
            .Select(name => name + InFile(weights, name))
            .ToList();
        if (missing.Count + misShaped.Count + unexpected.Count > 0)
        {
            throw new WeightMappingException(Config.ModelType, missing, unexpected, misShaped, weights.Location);
        }
    }

    /// <summary>" (in FILE)" for a weight whose file is known, for the mismatch messages.</summary>
    internal static string InFile(IWeightSource weights, string name) =>
        weights.FileOf(name) is { } file ? $" (in {Path.GetFileName(file)})" : "";

    /// <summary>Reads a planned weight in the model's dtype and device.</summary>
    internal Tensor Load(IWeightSource weights, string name, ScalarType dtype, Device device)
    {
        if (!_expected.ContainsKey(name))
        {
            throw new InvalidOperationException($"'{name}' is not part of the weight plan.");
        }

        return weights.Get(name, dtype, device);
    }

    // Tied checkpoints sometimes store the head anyway; transformers ties it to the embedding and ignores the copy.
    private bool IsTiedHead(string name) => Config.TieWordEmbeddings && name == Layout.HeadName;

    private void Add(string name, params long[] shape) => _expected.Add(name, shape);
}
