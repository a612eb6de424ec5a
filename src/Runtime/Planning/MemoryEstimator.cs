using PrecisionAnalyzers.Runtime.Configuration;

namespace PrecisionAnalyzers.Runtime.Planning;

/// <summary>Bytes a model needs: weights per dtype, the key/value cache for a context, and full fine-tuning state.</summary>
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
            long total = 0;
            var perToken = 2 * config.NumKeyValueHeads * config.HeadDim * BytesPerElement(dtype);
            foreach (var layer in config.LayerTypes)
            {
                var tokens = layer == LayerType.SlidingAttention && config.SlidingWindow is { } window ? Math.Min(window, contextLength) : contextLength;
                total += perToken * tokens;
            }

            return total;
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
}
