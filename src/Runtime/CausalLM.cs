using Microsoft.Extensions.Logging;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime;

/// <summary>A decoder language model loaded from a Hugging Face style checkpoint folder.</summary>
/// <remarks>
/// <see cref="Load"/> (checkpoint folder → planner → weights) arrives with the checkpoint reader; <see cref="FromWeights"/>
/// builds a model from a configuration and any <see cref="IWeightSource"/> in a dtype already decided.
/// </remarks>
public sealed class CausalLM : IDisposable
{
    private readonly DecoderRunner _runner;

    private CausalLM(DecoderRunner runner, string device)
    {
        _runner = runner;
        Device = device;
    }

    /// <summary>The configuration of the language model.</summary>
    public ModelConfig Config => _runner.Config;

    /// <summary>The dtype requests run in now (a safer one after an overflow fallback).</summary>
    public DType Dtype => _runner.Dtype;

    /// <summary><c>cpu</c> or <c>cuda:N</c>.</summary>
    public string Device { get; }

    /// <summary>Whether generation keeps a key/value cache. Ignored in training mode (a PREC105 warning says so).</summary>
    public bool UseCache
    {
        get => _runner.UseCache;
        set => _runner.UseCache = value;
    }

    /// <summary>True after <see cref="Train"/>, false after <see cref="Eval"/>.</summary>
    public bool IsTraining => _runner.IsTraining;

    /// <summary>The overflow guard: on/off, policy, and whether BF16 runs on the device (where the fallback goes).</summary>
    public OverflowGuardOptions OverflowGuard
    {
        get => _runner.Guard;
        set => _runner.Guard = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The decoder serving requests now.</summary>
    public DecoderModel Model => _runner.Model;

    /// <summary>Loads the checkpoint at <paramref name="path"/> (a folder holding <c>config.json</c> and safetensors weights).</summary>
    public static CausalLM Load(string path, LoadOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        throw new NotSupportedException("CausalLM.Load is not wired to the checkpoint reader yet; build from weights with CausalLM.FromWeights.");
    }

    /// <summary>
    /// Builds a model from <paramref name="config"/> and <paramref name="weights"/> in <paramref name="dtype"/> (a concrete
    /// dtype, as the planner decided) on <paramref name="device"/> (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>; null is cpu).
    /// Throws <see cref="WeightMappingException"/> listing every missing, unexpected or mis-shaped weight.
    /// </summary>
    public static CausalLM FromWeights(
        ModelConfig config,
        IWeightSource weights,
        DType dtype,
        string? device = null,
        bool? useCache = null,
        OverflowGuardOptions? overflowGuard = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        var name = device is null or "auto" ? "cpu" : device;
        var runner = new DecoderRunner(config, weights, dtype, overflowGuard, new Device(name), logger, cancellationToken)
        {
            UseCache = useCache ?? config.UseCache ?? true,
        };
        return new CausalLM(runner, name);
    }

    /// <summary>
    /// Generates from token ids, streaming each token to <paramref name="onToken"/>. The result names the dtype that
    /// produced the answer and carries the PREC1xx warnings of the request (PREC104 after an overflow fallback,
    /// PREC105 when a cache was asked for in training mode).
    /// </summary>
    public GenerationResult Generate(IReadOnlyList<int> promptTokens, GenerationOptions? options = null, Action<GeneratedToken>? onToken = null, CancellationToken cancellationToken = default) =>
        _runner.Generate(promptTokens, options, onToken, cancellationToken);

    /// <summary>Logits [batch, seq, vocab] of one forward pass without a cache (guarded, no fallback); the caller disposes them.</summary>
    public Tensor Forward(Tensor inputIds, CancellationToken cancellationToken = default) => _runner.Forward(inputIds, cancellationToken);

    /// <summary>Switches to training mode: no generation cache is built.</summary>
    public void Train() => _runner.Train();

    /// <summary>Switches to evaluation mode.</summary>
    public void Eval() => _runner.Eval();

    public void Dispose() => _runner.Dispose();
}
