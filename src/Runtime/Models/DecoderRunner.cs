using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PrecisionAnalyzers.Runtime.Adapters;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Diagnostics;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// Serves generation requests on a decoder and applies the overflow policy: when the guard finds non-finite
/// activations, <see cref="OverflowPolicy.FallbackToSaferDtype"/> rebuilds the model in a safer dtype from the same
/// weights, re-runs the whole request, warns with PREC104 and keeps the safer model for later requests;
/// <see cref="OverflowPolicy.Throw"/> lets the <see cref="NonFiniteActivationsException"/> through.
/// </summary>
public sealed class DecoderRunner : IDisposable
{
    private readonly IWeightSource _weights;
    private readonly Device _device;
    private readonly ILogger _logger;
    private readonly WeightQuantization _quantization;
    private readonly bool _quantizeLmHead;
    private DecoderModel _model;

    public DecoderRunner(ModelConfig config, IWeightSource weights, DType dtype, OverflowGuardOptions? guard = null, Device? device = null, ILogger? logger = null, CancellationToken cancellationToken = default, WeightQuantization quantization = WeightQuantization.None, bool quantizeLmHead = false)
    {
        _quantization = quantization;
        _quantizeLmHead = quantizeLmHead;
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        Config = config;
        _weights = weights;
        _device = device ?? CPU;
        _logger = logger ?? NullLogger.Instance;
        Guard = guard ?? new OverflowGuardOptions();
        _model = DecoderModel.Build(config, weights, dtype, _device, _logger, cancellationToken, quantization, quantizeLmHead);
    }

    public ModelConfig Config { get; }

    public OverflowGuardOptions Guard { get; set; }

    /// <summary>The model serving requests now (replaced after a fallback).</summary>
    public DecoderModel Model => _model;

    /// <summary>The dtype requests run in now.</summary>
    public DType Dtype => _model.Dtype;

    /// <summary>Whether generation keeps a key/value cache; never in training mode.</summary>
    public bool UseCache { get; set; } = true;

    public bool IsTraining => _model.IsTraining;

    /// <summary>The LoRA adapters attached to the model (re-attached after a fallback rebuild).</summary>
    public LoraAdapterSet? Adapters { get; set; }

    public void Train()
    {
        _model.Train();
        if (Adapters is not null)
        {
            Adapters.IsTraining = true;
        }
    }

    public void Eval()
    {
        _model.Eval();
        if (Adapters is not null)
        {
            Adapters.IsTraining = false;
        }
    }

    /// <summary>Generates from <paramref name="prompt"/>, streaming each token to <paramref name="onToken"/>.</summary>
    public GenerationResult Generate(IReadOnlyList<int> prompt, GenerationOptions? options = null, Action<GeneratedToken>? onToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        options ??= new GenerationOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxNewTokens);
        var warnings = new List<PrecisionWarning>();

        // The context is checked before any tensor exists: a prompt past it would otherwise allocate attention scores for
        // its whole length (a 130,000-token prompt asks for ~70 GB) before failing or running past trained positions.
        if (options.ContextOverflow == ContextOverflow.TruncatePrompt)
        {
            prompt = ContextWindow.Fit(Config, prompt, options.MaxNewTokens, out var truncation);
            if (truncation is not null)
            {
                warnings.Add(truncation.ToWarning("the prompt"));
            }
        }

        var allowed = ContextWindow.Allowed(Config, prompt.Count, options.MaxNewTokens, options.ContextOverflow);
        var request = allowed == options.MaxNewTokens ? options : options with { MaxNewTokens = allowed };
        while (true)
        {
            var guard = Guard.Enabled ? new OverflowGuard(_model.Dtype) : null;
            try
            {
                var result = TokenGenerator.Generate(_model, prompt, request, UseCache, guard, onToken, cancellationToken);
                if (allowed < options.MaxNewTokens && result.StopReason == StopReason.MaxNewTokens)
                {
                    var stopped = ContextWindow.StoppedWarning(Config, prompt.Count, result.Tokens.Count, options.MaxNewTokens);
                    _logger.LogWarning("{Code}: {Message}", stopped.Code, stopped.Message);
                    return result with { StopReason = StopReason.ContextLimit, Warnings = [.. warnings, .. result.Warnings, stopped] };
                }

                return result with { Warnings = [.. warnings, .. result.Warnings] };
            }
            catch (NonFiniteActivationsException overflow) when (Guard.Policy == OverflowPolicy.FallbackToSaferDtype && Guard.SaferThan(_model.Dtype) is not null)
            {
                var safer = Guard.SaferThan(_model.Dtype)!.Value;
                var message = $"non-finite activations in {Planning.DtypeRules.Name(overflow.Dtype)} after {overflow.Site} at position {overflow.Position}; " +
                              $"the request was re-run in {Planning.DtypeRules.Name(safer)}, which produced the answer.";
                warnings.Add(new PrecisionWarning(RuntimeCodes.NonFiniteActivations, message));
                _logger.LogWarning("{Code}: {Message}", RuntimeCodes.NonFiniteActivations, message);
                var training = _model.IsTraining;
                var replacement = DecoderModel.Build(Config, _weights, safer, _device, _logger, cancellationToken, _quantization, _quantizeLmHead);
                if (training)
                {
                    replacement.Train();
                }

                Adapters?.AttachTo(replacement);

                _model.Dispose();
                _model = replacement;
            }
        }
    }

    /// <summary>Logits of one forward pass over <paramref name="inputIds"/> [batch, seq] without a cache, guarded as configured (no fallback).</summary>
    public Tensor Forward(Tensor inputIds, CancellationToken cancellationToken = default) =>
        _model.Forward(inputIds, null, Guard.Enabled ? new OverflowGuard(_model.Dtype) : null, false, cancellationToken);

    public void Dispose()
    {
        Adapters?.Dispose();
        _model.Dispose();
    }
}
