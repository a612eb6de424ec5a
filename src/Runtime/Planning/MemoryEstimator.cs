using PrecisionAnalyzers.Runtime.Configuration;

namespace PrecisionAnalyzers.Runtime.Planning;

/// <summary>
/// Bytes a model needs: weights per dtype, the key/value cache for a context, and full fine-tuning state. All arithmetic is
/// checked: sizes come from files, and an <see cref="OverflowException"/> means no machine could hold the model (the
/// planner turns it into its "cannot run" verdict).
/// </summary>
public static class MemoryEstimator
{
    /// <summary>Bytes per element of a floating-point dtype.</summary>
    public static int BytesPerElement(DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Float16 or DType.BFloat16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Auto has no size; resolve it first."),
    };

    public static long WeightBytes(long parameters, DType dtype) => checked(parameters * BytesPerElement(dtype));

    /// <summary>
    /// The key/value cache for one sequence of <paramref name="contextLength"/> tokens: two tensors (K and V) per layer of
    /// kv-heads × head-dim values per token, sliding-window layers holding at most the window.
    /// Encoders have none.
    /// </summary>
    public static long KvCacheBytes(ModelConfig config, long contextLength, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Kind == ModelKind.Encoder || contextLength <= 0)
        {
            return 0;
        }

        checked
        {
            // Counted by kind, not layer by layer: the layer count comes from a file.
            var perToken = 2 * config.NumKeyValueHeads * config.HeadDim * BytesPerElement(dtype);
            var sliding = config.SlidingWindow is { } window ? config.SlidingLayerCount : 0;
            var slidingTokens = config.SlidingWindow is { } w ? Math.Min(w, contextLength) : contextLength;
            return (perToken * (config.NumHiddenLayers - sliding) * contextLength) + (perToken * sliding * slidingTokens);
        }
    }

    /// <summary>
    /// Full fine-tuning with Adam, excluding activations: weights in <paramref name="dtype"/>, gradients in the same dtype,
    /// Adam's two moments in FP32, and FP32 master weights when the weights are 16-bit (16 bytes a parameter either way).
    /// </summary>
    public static long FullFineTuneBytes(long parameters, DType dtype)
    {
        var weights = WeightBytes(parameters, dtype);
        var master = dtype == DType.Float32 ? 0 : WeightBytes(parameters, DType.Float32);
        return checked(weights + weights + master + (2 * WeightBytes(parameters, DType.Float32)));
    }

    /// <summary>
    /// Parameters of rank-<paramref name="rank"/> LoRA adapters on <paramref name="targets"/> (short names such as
    /// <c>q_proj</c>; null: q, k, v, o) in every layer: r·(in + out) per adapted projection.
    /// </summary>
    public static long LoraParameters(ModelConfig config, int rank, IReadOnlyList<string>? targets = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        targets ??= ["q_proj", "k_proj", "v_proj", "o_proj"];
        var h = config.HiddenSize;
        var q = checked(config.NumAttentionHeads * config.HeadDim);
        var kv = checked(config.NumKeyValueHeads * config.HeadDim);
        var i = config.IntermediateSize;
        long perLayer = 0;
        foreach (var target in targets.Distinct())
        {
            perLayer += checked(target switch
            {
                "q_proj" => h + q,
                "k_proj" or "v_proj" => h + kv,
                "o_proj" => q + h,
                "gate_proj" or "up_proj" => h + i,
                "down_proj" => i + h,
                _ => throw new ArgumentException($"unknown LoRA target '{target}'.", nameof(targets)),
            });
        }

        return checked(rank * perLayer * config.NumHiddenLayers);
    }

    /// <summary>
    /// LoRA fine-tuning, excluding activations: the frozen weights in <paramref name="dtype"/>, and for each adapter
    /// parameter an FP32 weight, its FP32 gradient and AdamW's two FP32 moments (16 bytes).
    /// </summary>
    public static long LoraTrainingBytes(long parameters, long loraParameters, DType dtype) =>
        checked(WeightBytes(parameters, dtype) + (16 * loraParameters));
}
