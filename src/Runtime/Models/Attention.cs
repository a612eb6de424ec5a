using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// Causal self-attention with grouped KV heads, optional QK-norm, RoPE, score soft-capping and a sliding window.
/// Scores are formed in the activation dtype as the reference does; the softmax runs in FP32 and is cast back.
/// </summary>
internal sealed class Attention
{
    private readonly AttentionWeights _w;
    private readonly long _heads;
    private readonly long _kvHeads;
    private readonly long _headDim;
    private readonly double _scale;
    private readonly double? _softcap;
    private readonly long? _window;
    private readonly RmsNorm? _queryNorm;
    private readonly RmsNorm? _keyNorm;

    public Attention(AttentionWeights weights, long heads, long kvHeads, long headDim, double scale, double? softcap, long? window, RmsNorm? queryNorm, RmsNorm? keyNorm)
    {
        _w = weights;
        _heads = heads;
        _kvHeads = kvHeads;
        _headDim = headDim;
        _scale = scale;
        _softcap = softcap;
        _window = window;
        _queryNorm = queryNorm;
        _keyNorm = keyNorm;
    }

    /// <summary>The window in tokens, or null for full attention.</summary>
    public long? Window => _window;

    /// <param name="x">[batch, seq, hidden].</param>
    /// <param name="start">Absolute position of the first query.</param>
    /// <param name="cos">RoPE cos, [seq, head_dim].</param>
    /// <param name="sin">RoPE sin, [seq, head_dim].</param>
    /// <param name="cache">This layer's cache, or null for a forward pass without one.</param>
    public Tensor Forward(Tensor x, long start, Tensor cos, Tensor sin, LayerKvCache? cache)
    {
        using var scope = NewDisposeScope();
        var batch = x.shape[0];
        var seq = x.shape[1];
        var qkv = Projection.ForwardTogether(x, _w.Query, _w.Key, _w.Value);
        var q = qkv[0].view(batch, seq, _heads, _headDim).transpose(1, 2);
        var k = qkv[1].view(batch, seq, _kvHeads, _headDim).transpose(1, 2);
        var v = qkv[2].view(batch, seq, _kvHeads, _headDim).transpose(1, 2);
        if (_queryNorm is not null && _keyNorm is not null)
        {
            q = _queryNorm.Forward(q);
            k = _keyNorm.Forward(k);
        }

        q = DecodeOps.Rope(q, cos, sin) ?? RotaryEmbedding.Apply(q, cos, sin);
        k = DecodeOps.Rope(k, cos, sin) ?? RotaryEmbedding.Apply(k, cos, sin);

        var keyStart = start;
        if (cache is not null)
        {
            (k, v, keyStart) = cache.Append(k, v);
        }

        var keyCount = k.shape[2];
        if (_heads != _kvHeads)
        {
            k = k.repeat_interleave(_heads / _kvHeads, dim: 1);
            v = v.repeat_interleave(_heads / _kvHeads, dim: 1);
        }

        var scores = q.matmul(k.transpose(2, 3)) * _scale;
        if (_softcap is { } cap)
        {
            scores = (scores / cap).tanh() * cap;
        }

        var scores32 = scores.to_type(ScalarType.Float32);
        if (!(DecodeOps.Enabled && seq == 1 && _window is null))
        {
            // One query with full attention sees every cached key: no mask to build.
            var allowed = Mask(start, seq, keyStart, keyCount, _window, x.device);
            scores32 = scores32.masked_fill(allowed.logical_not(), double.NegativeInfinity);
        }

        var probabilities = scores32.softmax(-1).to_type(x.dtype);
        var context = probabilities.matmul(v).transpose(1, 2).reshape(batch, seq, _heads * _headDim);
        return _w.Output.Forward(context).MoveToOuterDisposeScope();
    }

    /// <summary>[queries, keys] true where query position q may see key position k: k ≤ q and, with a window W, k &gt; q − W.</summary>
    public static Tensor Mask(long queryStart, long queries, long keyStart, long keys, long? window, Device device)
    {
        using var scope = NewDisposeScope();
        var q = arange(queryStart, queryStart + queries, dtype: ScalarType.Int64, device: device).unsqueeze(1);
        var k = arange(keyStart, keyStart + keys, dtype: ScalarType.Int64, device: device).unsqueeze(0);
        var allowed = k.le(q);
        if (window is { } w)
        {
            allowed = allowed.logical_and(k.gt(q - w));
        }

        return allowed.MoveToOuterDisposeScope();
    }
}

/// <summary>The projections of one attention block (biases only where the family has them).</summary>
internal sealed record AttentionWeights(Projection Query, Projection Key, Projection Value, Projection Output);
