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

    /// <summary>
    /// Bytes of the weights the decoder loads with the layers' projections (and with <paramref name="lmHead"/> the LM head,
    /// or the embedding table a tied head shares) in the block format <paramref name="quantization"/> and everything else
    /// (embeddings, norms, biases) in <paramref name="dtype"/>; rows are padded to whole blocks of 32 as the loader stores
    /// them. A vision tower is not counted: the text decoder never loads it.
    /// </summary>
    public static long QuantizedWeightBytes(ModelConfig config, long parameters, DType dtype, WeightQuantization quantization, bool lmHead = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (quantization == WeightQuantization.None)
        {
            return WeightBytes(parameters, dtype);
        }

        var blockBytes = quantization switch
        {
            WeightQuantization.Int8 => 32 + 2,
            WeightQuantization.Int4 => 16 + 2 + 2,
            _ => throw new ArgumentOutOfRangeException(nameof(quantization), quantization, "Auto has no size; resolve it first."),
        };
        checked
        {
            var h = config.HiddenSize;
            var q = config.NumAttentionHeads * config.HeadDim;
            var kv = config.NumKeyValueHeads * config.HeadDim;
            var i = config.IntermediateSize;
            var matrices = new List<(long Rows, long Columns, long Count)>
            {
                (q, h, config.NumHiddenLayers), (kv, h, 2 * config.NumHiddenLayers), (h, q, config.NumHiddenLayers),
                (i, h, 2 * config.NumHiddenLayers), (h, i, config.NumHiddenLayers),
            };
            if (lmHead)
            {
                // An untied head, or the embedding table a tied head shares.
                matrices.Add((config.VocabSize, h, 1));
            }

            long quantized = 0;
            long bytes = 0;
            foreach (var (rows, columns, count) in matrices)
            {
                quantized += rows * columns * count;
                bytes += rows * ((columns + 31) / 32) * blockBytes * count;
            }

            // The vision tower of a multimodal checkpoint is never loaded by the text decoder.
            var vision = ParameterCounter.Count(config).Vision;
            return WeightBytes(parameters - quantized - vision, dtype) + bytes;
        }
    }
}
