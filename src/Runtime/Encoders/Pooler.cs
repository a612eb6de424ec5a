using PrecisionAnalyzers.Runtime.Native;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary>
/// Pools token embeddings into sentence embeddings as sentence-transformers does. Works in float32; padding is right
/// or left, read from the attention mask.
/// </summary>
public static class Pooler
{
    /// <summary>
    /// Sentence embeddings [batch, hidden × modes] from <paramref name="tokens"/> [batch, seq, hidden] (float32) and
    /// <paramref name="attentionMask"/> [batch, seq] (1 token, 0 padding). With <see cref="PoolingConfig.IncludePrompt"/>
    /// false, the first <paramref name="promptLength"/> tokens of each text (its <c>[CLS]</c> and the prompt) leave the
    /// average, max and weighted modes; cls and lasttoken always take the first and last real token.
    /// </summary>
    public static Tensor Pool(PoolingConfig config, Tensor tokens, Tensor attentionMask, long promptLength = 0)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(attentionMask);
        TorchSharpLoader.EnsureLoaded();
        using var scope = NewDisposeScope();
        var x = tokens.to(ScalarType.Float32);
        var padding = attentionMask.to(ScalarType.Float32, x.device);
        var seq = x.shape[1];
        var mask = padding;
        if (!config.IncludePrompt && promptLength > 0)
        {
            // The prompt comes first among the real tokens (after any left padding).
            var firstReal = padding.argmax(1, keepdim: true);
            var index = arange(seq, device: x.device).unsqueeze(0);
            mask = padding * index.ge(firstReal + promptLength).to(ScalarType.Float32);
        }

        var expanded = mask.unsqueeze(-1);
        var parts = new List<Tensor>();
        foreach (var mode in config.Modes)
        {
            parts.Add(mode switch
            {
                PoolingMode.Cls => Gather(x, padding.argmax(1)),
                PoolingMode.LastToken => Gather(x, seq - 1 - padding.flip(1).argmax(1)),
                PoolingMode.Max => x.masked_fill(expanded.eq(0), float.NegativeInfinity).amax([1]),
                PoolingMode.Mean => (x * expanded).sum(1) / mask.sum(1, keepdim: true).clamp_min(1e-9),
                PoolingMode.MeanSqrtLen => (x * expanded).sum(1) / mask.sum(1, keepdim: true).sqrt(),
                PoolingMode.WeightedMean => WeightedMean(x, mask),
                _ => throw new ArgumentOutOfRangeException(nameof(config), mode, "unknown pooling mode"),
            });
        }

        return (parts.Count == 1 ? parts[0] : cat(parts, 1)).MoveToOuterDisposeScope();
    }

    private static Tensor Gather(Tensor x, Tensor positions) =>
        x[arange(x.shape[0], device: x.device), positions.to(ScalarType.Int64)];

    private static Tensor WeightedMean(Tensor x, Tensor mask)
    {
        var weights = arange(1, x.shape[1] + 1, dtype: ScalarType.Float32, device: x.device).unsqueeze(0) * mask;
        return (x * weights.unsqueeze(-1)).sum(1) / weights.sum(1, keepdim: true).clamp_min(1e-9);
    }
}
