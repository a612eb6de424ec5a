using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PrecisionAnalyzers.Runtime.Adapters;
using PrecisionAnalyzers.Runtime.Chat;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Hardware;
using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Planning;
using PrecisionAnalyzers.Runtime.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime;

/// <summary>A decoder language model loaded from a Hugging Face style checkpoint folder.</summary>
/// <remarks>
/// <see cref="Load"/> goes from a checkpoint folder through the planner to the weights; <see cref="FromWeights"/> builds a
/// model from a configuration and any <see cref="IWeightSource"/> in a dtype already decided.
/// </remarks>
public sealed class CausalLM : IDisposable
{
    private readonly DecoderRunner _runner;
    private readonly IDisposable? _weights;
    private readonly ILogger _logger;
    private ChatFormatter? _chatFormatter;

    private CausalLM(DecoderRunner runner, string device, IDisposable? ownedWeights = null, PrecisionPlan? plan = null, string? folder = null, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        _runner = runner;
        Device = device;
        _weights = ownedWeights;
        Plan = plan;
        Folder = folder;
    }

    /// <summary>The checkpoint folder the model was loaded from; null for <see cref="FromWeights"/>.</summary>
    public string? Folder { get; }

    /// <summary>The LoRA adapters attached to the model, if any (<see cref="AddLora"/>, <see cref="LoadAdapter"/>).</summary>
    public LoraAdapterSet? Adapters => _runner.Adapters;

    /// <summary>The planner's decision this model was loaded by (dtype, device, reasons, warnings); null for <see cref="FromWeights"/>.</summary>
    public PrecisionPlan? Plan { get; }

    /// <summary>The PREC1xx warnings of loading (from the plan).</summary>
    public IReadOnlyList<PrecisionWarning> LoadWarnings => Plan?.Warnings ?? [];

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

    /// <summary>
    /// Loads the checkpoint at <paramref name="path"/> (a folder holding <c>config.json</c> and safetensors weights, single or
    /// sharded, or that <c>config.json</c>): validates every file, probes this machine, plans the dtype and device (an explicit
    /// <see cref="LoadOptions.Dtype"/> is honoured unless the device cannot run it; <c>null</c> behaves as <see cref="DType.Auto"/>),
    /// then reads the weights one tensor at a time, converted to the planned dtype.
    /// </summary>
    /// <exception cref="ModelConfigException">config.json is missing or malformed.</exception>
    /// <exception cref="Checkpoints.SafetensorsFormatException">A weights file breaks the format.</exception>
    /// <exception cref="WeightMappingException">Weights are missing, unexpected or mis-shaped for the configuration.</exception>
    /// <exception cref="PrecisionException">The model cannot run on this machine (PREC103, or the strict refusal's code).</exception>
    public static CausalLM Load(
        string path,
        LoadOptions? options = null,
        ILogger? logger = null,
        IProgress<CheckpointProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new LoadOptions();
        logger ??= NullLogger.Instance;
        TorchSharpLoader.EnsureLoaded(logger);
        if (options.Threads is { } threads)
        {
            CpuThreads.Set(threads, logger);
        }

        var config = ModelConfig.Load(path);
        var folder = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
        var checkpoint = Checkpoint.Open(folder, progress, cancellationToken);
        try
        {
            var devices = PlanDevices.From(HardwareProbe.Probe(logger), isLocal: true);
            var plan = new PrecisionPlanner(new MatmulDtypeProbe(), logger).Plan(config, devices, new PlanRequest(
                Dtype: options.Dtype,
                Device: options.Device,
                ContextLength: options.ContextLength,
                Strict: options.Strict,
                WeightsDtype: checkpoint.WeightsDtype(),
                Quantization: options.Quantization ?? WeightQuantization.None,
                QuantizeLmHead: options.QuantizeLmHead));
            foreach (var warning in plan.Warnings)
            {
                logger.LogWarning("{Code}: {Message}", warning.Code, warning.Message);
            }

            if (!plan.CanRun)
            {
                var code = plan.Warnings.LastOrDefault()?.Code ?? RuntimeCodes.DoesNotFit;
                throw new PrecisionException(code, $"{config.ModelType} cannot run on this machine: {string.Join("; ", plan.Reasons.TakeLast(2))}");
            }

            var device = devices.Single(d => d.Name == plan.Device);
            var guard = (options.OverflowGuard ?? new OverflowGuardOptions()) with { BFloat16Supported = device.RunsBFloat16 };
            logger.LogInformation("Loading {ModelType} in {Dtype} on {Device} (weights: {Quantization}).", config.ModelType, DtypeRules.Name(plan.Dtype!.Value), plan.Device, PrecisionPlanner.Name(plan.Quantization));
            var runner = new DecoderRunner(config, checkpoint, plan.Dtype.Value, guard, new Device(plan.Device!), logger, cancellationToken, plan.Quantization, plan.QuantizeLmHead)
            {
                UseCache = options.UseCache ?? config.UseCache ?? true,
            };
            var model = new CausalLM(runner, plan.Device!, checkpoint, plan, folder, logger);
            if (options.Adapter is { } adapter)
            {
                try
                {
                    model.LoadAdapter(adapter);
                }
                catch
                {
                    runner.Dispose();
                    throw;
                }
            }

            return model;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
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
        CancellationToken cancellationToken = default,
        WeightQuantization quantization = WeightQuantization.None,
        bool quantizeLmHead = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        var name = device is null or "auto" ? "cpu" : device;
        var runner = new DecoderRunner(config, weights, dtype, overflowGuard, new Device(name), logger, cancellationToken, quantization, quantizeLmHead)
        {
            UseCache = useCache ?? config.UseCache ?? true,
        };
        return new CausalLM(runner, name, logger: logger);
    }

    /// <summary>
    /// The positions the model reads (<see cref="ContextWindow.Limit"/>: <c>max_position_embeddings</c>, or what its RoPE
    /// scaling allows), or null when the config does not say.
    /// </summary>
    public long? ContextLength => ContextWindow.Limit(Config);

    /// <summary>
    /// The prompt cut so that it and <paramref name="maxNewTokens"/> generated tokens fit in <see cref="ContextLength"/>:
    /// its last tokens are kept (the most recent text), and <paramref name="truncation"/> gives the lengths for the PREC109
    /// warning; the prompt itself, and null, when it fits or the context is unknown.
    /// </summary>
    /// <exception cref="ContextLengthException"><paramref name="maxNewTokens"/> leaves no room for a prompt.</exception>
    public IReadOnlyList<int> FitToContext(IReadOnlyList<int> promptTokens, int maxNewTokens, out InputTruncation? truncation) =>
        ContextWindow.Fit(Config, promptTokens, maxNewTokens, out truncation);

    /// <summary>
    /// Generates from token ids, streaming each token to <paramref name="onToken"/>. The result names the dtype that
    /// produced the answer and carries the PREC1xx warnings of the request (PREC104 after an overflow fallback,
    /// PREC105 when a cache was asked for in training mode, PREC109/PREC110 by <see cref="GenerationOptions.ContextOverflow"/>).
    /// The prompt and the new tokens are checked against <see cref="ContextLength"/> before anything is allocated.
    /// </summary>
    /// <exception cref="ContextLengthException">They do not fit and <see cref="GenerationOptions.ContextOverflow"/> refuses.</exception>
    /// <exception cref="NonFiniteActivationsException">Non-finite activations with no safer dtype left (FP32), or with <see cref="OverflowPolicy.Throw"/>.</exception>
    public GenerationResult Generate(IReadOnlyList<int> promptTokens, GenerationOptions? options = null, Action<GeneratedToken>? onToken = null, CancellationToken cancellationToken = default) =>
        _runner.Generate(promptTokens, options, onToken, cancellationToken);

    /// <summary>
    /// The template, tokenizer and generation defaults <see cref="Chat"/> uses; loaded from <see cref="Folder"/> on first
    /// use, or set for a model built with <see cref="FromWeights"/>.
    /// </summary>
    /// <exception cref="ChatTemplateException">On first use: the checkpoint has no chat template.</exception>
    public ChatFormatter ChatFormatter
    {
        get => _chatFormatter ??= ChatFormatter.Load(
            Folder ?? throw new InvalidOperationException("this model was not loaded from a checkpoint folder: set ChatFormatter before chatting."),
            _logger);
        set => _chatFormatter = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// Answers the conversation: renders <paramref name="messages"/> with the checkpoint's chat template, encodes it (one
    /// BOS), and generates until an end-of-turn or EOS token (all of generation_config.json's <c>eos_token_id</c>s and the
    /// template's end-of-turn tokens), streaming each token with its text to <paramref name="onToken"/>. Sampling values
    /// not set in <paramref name="options"/> come from generation_config.json. Cancelling stops the answer
    /// (<see cref="OperationCanceledException"/>).
    /// </summary>
    /// <exception cref="ChatTemplateException">No chat template, or the template raised (e.g. roles that do not alternate).</exception>
    public ChatResult Chat(IReadOnlyList<ChatMessage> messages, ChatOptions? options = null, Action<ChatToken>? onToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var formatter = ChatFormatter;
        var prompt = formatter.Format(messages, options?.AddGenerationPrompt ?? true, options?.TemplateVariables, cancellationToken);
        var stream = formatter.Tokenizer.CreateStreamDecoder();
        var streamed = 0;
        var result = Generate(prompt.TokenIds, formatter.GenerationOptions(options), token =>
        {
            var restarted = token.Index == 0 && streamed > 0;
            if (restarted)
            {
                stream = formatter.Tokenizer.CreateStreamDecoder();
            }

            streamed++;
            onToken?.Invoke(new ChatToken(token, stream.Add(token.TokenId), restarted));
        }, cancellationToken);
        return new ChatResult(formatter.Tokenizer.Decode(result.Tokens), prompt, result);
    }

    /// <summary>Logits [batch, seq, vocab] of one forward pass without a cache (guarded, no fallback); the caller disposes them.</summary>
    public Tensor Forward(Tensor inputIds, CancellationToken cancellationToken = default) => _runner.Forward(inputIds, cancellationToken);

    /// <summary>
    /// Attaches new LoRA adapters (FP32, B = 0, so outputs are unchanged until trained) to the projections
    /// <paramref name="options"/> targets; the base weights stay frozen in <see cref="Dtype"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">The base weights are quantized (training a quantized base, QLoRA, is not supported).</exception>
    public LoraAdapterSet AddLora(LoraOptions options, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        ThrowIfQuantized();
        ThrowIfAdapted();
        var adapters = LoraAdapterSet.Create(_runner.Model, options, seed, Folder);
        adapters.IsTraining = IsTraining;
        _runner.Adapters = adapters;
        return adapters;
    }

    /// <summary>Reads a PEFT adapter folder (<c>adapter_config.json</c>, <c>adapter_model.safetensors</c>) and attaches it.</summary>
    /// <exception cref="AdapterFormatException">The folder is not an adapter for this model.</exception>
    public LoraAdapterSet LoadAdapter(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ThrowIfAdapted();
        var adapters = LoraAdapterSet.Load(folder, _runner.Model);
        adapters.IsTraining = IsTraining;
        _runner.Adapters = adapters;
        return adapters;
    }

    /// <summary>
    /// Writes a full checkpoint to the new folder <paramref name="folder"/> with the adapters merged into the base weights
    /// (W + alpha/r·B·A, summed in FP32) in <paramref name="dtype"/> (null: the model's dtype), with config.json's dtype set
    /// to match and the tokenizer files copied from the source checkpoint. The folder appears whole or not at all.
    /// </summary>
    public void SaveMerged(string folder, DType? dtype = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var adapters = Adapters ?? throw new InvalidOperationException("the model has no adapters to merge; load or train some first.");
        var source = Folder ?? throw new InvalidOperationException("merging needs the source checkpoint folder (its config.json and tokenizer); load the model with CausalLM.Load.");
        AdapterMerger.Save(folder, source, _runner.Model, adapters, dtype ?? Dtype, cancellationToken);
    }

    private void ThrowIfAdapted()
    {
        if (_runner.Adapters is not null)
        {
            throw new InvalidOperationException("the model already has LoRA adapters; load a fresh model for another set.");
        }
    }

    /// <summary>Switches to training mode: no generation cache is built.</summary>
    /// <exception cref="NotSupportedException">The base weights are quantized (no QLoRA).</exception>
    public void Train()
    {
        ThrowIfQuantized();
        _runner.Train();
    }

    /// <summary>The block format of the projections' weights (None unless loaded with <see cref="LoadOptions.Quantization"/>).</summary>
    public WeightQuantization Quantization => _runner.Model.Quantization;

    private void ThrowIfQuantized()
    {
        if (Quantization != WeightQuantization.None)
        {
            throw new NotSupportedException($"this model's weights are quantized to {PrecisionPlanner.Name(Quantization)}, and training a quantized base (QLoRA) is not supported: load the base without quantization (LoadOptions.Quantization = None, --quantize none) to train adapters, then use them with a quantized base for inference if you like.");
        }
    }

    /// <summary>Switches to evaluation mode.</summary>
    public void Eval() => _runner.Eval();

    public void Dispose()
    {
        _runner.Dispose();
        _weights?.Dispose();
    }
}
