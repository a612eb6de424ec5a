using System.Text.Json;
using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Checkpoints;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary>
/// A sentence-transformers Dense module: <c>activation(linear(x))</c> on the pooled embedding, in float32. Its folder holds
/// <c>config.json</c> (<c>in_features</c>, <c>out_features</c>, <c>bias</c>, <c>activation_function</c>) and
/// <c>model.safetensors</c> (<c>linear.weight</c>, <c>linear.bias</c>). Activations are matched by class name from a
/// fixed list: Identity, Tanh, ReLU, GELU, Sigmoid.
/// </summary>
public sealed class DenseModule : IDisposable
{
    private static readonly Dictionary<string, Func<Tensor, Tensor>> Activations = new(StringComparer.Ordinal)
    {
        ["torch.nn.modules.linear.Identity"] = x => x.alias(),
        ["torch.nn.modules.activation.Tanh"] = x => x.tanh(),
        ["torch.nn.modules.activation.ReLU"] = x => x.relu(),
        ["torch.nn.modules.activation.GELU"] = x => F.gelu(x),
        ["torch.nn.modules.activation.Sigmoid"] = x => x.sigmoid(),
    };

    private readonly Tensor _weight;
    private readonly Tensor? _bias;
    private readonly Func<Tensor, Tensor> _activation;

    private DenseModule(Tensor weight, Tensor? bias, string activation)
    {
        _weight = weight;
        _bias = bias;
        _activation = Activations[activation];
        Activation = activation;
    }

    public long InFeatures => _weight.shape[1];

    public long OutFeatures => _weight.shape[0];

    /// <summary>The activation's class name as config.json gives it.</summary>
    public string Activation { get; }

    /// <summary>Reads the Dense module in <paramref name="folder"/> onto <paramref name="device"/>.</summary>
    public static DenseModule Load(string folder, Device device)
    {
        var file = Path.Combine(folder, "config.json");
        if (!Inputs.InputFile.IsPresent(file))
        {
            throw new SentenceModelException(folder, "the Dense module folder has no config.json");
        }

        JsonObject config;
        try
        {
            var text = Inputs.InputFile.ReadAllText(file, folder, Inputs.InputFile.MaxConfigBytes, (reason, inner) => new SentenceModelException(file, reason, inner));
            config = JsonNode.Parse(text, documentOptions: Inputs.JsonInput.Options) as JsonObject ?? throw new SentenceModelException(file, "must hold a JSON object");
        }
        catch (JsonException e)
        {
            throw new SentenceModelException(file, Inputs.JsonInput.Describe(e), e);
        }

        var inFeatures = Positive(config, "in_features", file);
        var outFeatures = Positive(config, "out_features", file);
        var hasBias = config["bias"] is not JsonValue b || !b.TryGetValue<bool>(out var bias) || bias;
        var activation = config["activation_function"] is JsonValue a && a.TryGetValue<string>(out var name) ? name : "torch.nn.modules.linear.Identity";
        if (!Activations.ContainsKey(activation))
        {
            throw new SentenceModelException(file, $"activation_function '{activation}' is not supported; supported: {string.Join(", ", Activations.Keys)}");
        }

        if (!Checkpoint.Exists(folder))
        {
            throw new SentenceModelException(folder, $"the Dense module has no {Checkpoint.SingleFile} (pytorch_model.bin is not read)");
        }

        using var checkpoint = Checkpoint.Open(folder);
        string[] expected = hasBias ? ["linear.weight", "linear.bias"] : ["linear.weight"];
        var missing = expected.Where(n => checkpoint.Shape(n) is null).ToList();
        var unexpected = checkpoint.Names.Where(n => !expected.Contains(n)).Order(StringComparer.Ordinal).ToList();
        var misShaped = new List<string>();
        if (checkpoint.Shape("linear.weight") is { } w && !w.SequenceEqual([outFeatures, inFeatures]))
        {
            misShaped.Add($"linear.weight: expected [{outFeatures}, {inFeatures}], found [{string.Join(", ", w)}]");
        }

        if (hasBias && checkpoint.Shape("linear.bias") is { } bs && !bs.SequenceEqual([outFeatures]))
        {
            misShaped.Add($"linear.bias: expected [{outFeatures}], found [{string.Join(", ", bs)}]");
        }

        if (missing.Count > 0 || unexpected.Count > 0 || misShaped.Count > 0)
        {
            throw new Models.WeightMappingException("Dense", missing, unexpected, misShaped);
        }

        var weight = checkpoint.Get("linear.weight", ScalarType.Float32, device);
        try
        {
            return new DenseModule(weight, hasBias ? checkpoint.Get("linear.bias", ScalarType.Float32, device) : null, activation);
        }
        catch
        {
            weight.Dispose();
            throw;
        }
    }

    /// <summary><c>activation(x Wᵀ + b)</c> for <paramref name="x"/> [batch, in] (float32).</summary>
    public Tensor Forward(Tensor x) => _activation(F.linear(x, _weight, _bias));

    public void Dispose()
    {
        _weight.Dispose();
        _bias?.Dispose();
    }

    private static long Positive(JsonObject config, string key, string file) =>
        config[key] is JsonValue v && v.TryGetValue<long>(out var n) && n > 0 ? n : throw new SentenceModelException(file, $"{key} must be a positive integer");
}
