namespace PrecisionAnalyzers.Runtime;

/// <summary>How a model is loaded. Every member left <c>null</c> means "the caller did not choose".</summary>
public sealed record LoadOptions
{
    /// <summary>
    /// The dtype to load in. <c>null</c> behaves as <see cref="DType.Auto"/>, and analyzer PREC001 asks the caller to choose,
    /// because <see cref="DType.Auto"/> depends on the hardware the code happens to run on.
    /// </summary>
    public DType? Dtype { get; init; }

    /// <summary><c>"auto"</c>, <c>"cpu"</c>, <c>"cuda"</c> or <c>"cuda:N"</c>. <c>null</c> means <c>"auto"</c>.</summary>
    public string? Device { get; init; }

    /// <summary>Whether generation keeps a key/value cache. <c>null</c> takes <c>use_cache</c> from <c>config.json</c>. Never used in training mode.</summary>
    public bool? UseCache { get; init; }

    /// <summary>When true, a dtype the device cannot run is an error instead of a warning and a fallback.</summary>
    public bool Strict { get; init; }

    /// <summary>Tokens of key/value cache the device must have room for; null takes min(4096, the model's maximum).</summary>
    public long? ContextLength { get; init; }

    /// <summary>A PEFT LoRA adapter folder to attach after loading (decoder models only).</summary>
    public string? Adapter { get; init; }

    /// <summary>The overflow guard (on by default, falling back to a safer dtype); null keeps the default.</summary>
    public Models.OverflowGuardOptions? OverflowGuard { get; init; }

    /// <summary>
    /// Weight-only quantization of the layers' projections at load time (docs/quantization.md): Int8, Int4, or Auto (only
    /// when no unquantized dtype fits the device, with a PREC112 warning). <c>null</c> means None: never quantized silently.
    /// Quantized models cannot be trained (no QLoRA).
    /// </summary>
    public WeightQuantization? Quantization { get; init; }

    /// <summary>Quantize the untied LM head too (off by default: the head stays in the compute dtype).</summary>
    public bool QuantizeLmHead { get; init; }

    /// <summary>
    /// CPU threads for libtorch and the decode kernels, process-wide (<see cref="Models.CpuThreads"/>); null keeps the
    /// current count (the cores this process may use, or <c>PRECISION_THREADS</c>).
    /// </summary>
    public int? Threads { get; init; }
}
