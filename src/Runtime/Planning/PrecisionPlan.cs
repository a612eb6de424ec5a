using PrecisionAnalyzers.Runtime.Diagnostics;

namespace PrecisionAnalyzers.Runtime.Planning;

/// <summary>The planner's decision: a dtype and a device, or that the model cannot run, with the reasons for each step.</summary>
public sealed record PrecisionPlan
{
    public required string ModelType { get; init; }

    public required long Parameters { get; init; }

    /// <summary>Bytes of the weights in each dtype.</summary>
    public required IReadOnlyDictionary<DType, long> WeightBytes { get; init; }

    /// <summary>Bytes of the weights with the projections quantized (int8, int4), the rest in <see cref="Dtype"/> (float32 when none was chosen).</summary>
    public IReadOnlyDictionary<WeightQuantization, long> QuantizedWeightBytes { get; init; } = new Dictionary<WeightQuantization, long>();

    /// <summary>The block format of the projections' weights (None, Int8 or Int4; never Auto).</summary>
    public WeightQuantization Quantization { get; init; }

    /// <summary>Whether the untied LM head is quantized too.</summary>
    public bool QuantizeLmHead { get; init; }

    /// <summary>The dtype of activations (and of every weight not quantized), or null when the model cannot run anywhere.</summary>
    public DType? Dtype { get; init; }

    /// <summary><c>cpu</c>, <c>cuda:N</c>, or null when the model cannot run anywhere.</summary>
    public string? Device { get; init; }

    /// <summary>The dtype the checkpoint is in (declared, or read from its weights), or null when unknown.</summary>
    public DType? CheckpointDtype { get; init; }

    public required PlanMode Mode { get; init; }

    public required long ContextLength { get; init; }

    /// <summary>Bytes of key/value cache for <see cref="ContextLength"/> tokens in the chosen dtype.</summary>
    public long KvCacheBytes { get; init; }

    /// <summary>Bytes the chosen device must hold: weights plus cache (inference) or weights, gradients and optimizer state (training).</summary>
    public long RequiredBytes { get; init; }

    public required IReadOnlyList<string> Reasons { get; init; }

    public required IReadOnlyList<PrecisionWarning> Warnings { get; init; }

    public bool CanRun => Device is not null && Dtype is not null;
}
