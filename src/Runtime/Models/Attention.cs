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

        var context = Attend(q, k, v, start, keyStart, x.dtype, x.device).transpose(1, 2).reshape(batch, seq, _heads * _headDim);
        return _w.Output.Forward(context).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One decode step for several sequences at once: the projections run on the whole batch (one GEMM per weight instead
    /// of one GEMV per sequence), while RoPE, the cache and the scores use each row's own position and cache.
    /// </summary>
    /// <param name="x">[rows, 1, hidden], one new token per sequence.</param>
    /// <param name="starts">The absolute position of each row's token.</param>
    /// <param name="cos">RoPE cos of each row's position, [rows, head_dim].</param>
    /// <param name="sin">RoPE sin of each row's position, [rows, head_dim].</param>
    /// <param name="caches">This layer's cache of each row.</param>
    public Tensor ForwardDecode(Tensor x, IReadOnlyList<long> starts, Tensor cos, Tensor sin, IReadOnlyList<LayerKvCache> caches)
    {
        using var scope = NewDisposeScope();
        var rows = x.shape[0];
        var q = _w.Query.Forward(x).view(rows, 1, _heads, _headDim).transpose(1, 2);
        var k = _w.Key.Forward(x).view(rows, 1, _kvHeads, _headDim).transpose(1, 2);
        var v = _w.Value.Forward(x).view(rows, 1, _kvHeads, _headDim).transpose(1, 2);
        if (_queryNorm is not null && _keyNorm is not null)
        {
            q = _queryNorm.Forward(q);
            k = _keyNorm.Forward(k);
        }

        var rowCos = cos.view(rows, 1, 1, _headDim);
        var rowSin = sin.view(rows, 1, 1, _headDim);
        q = RotaryEmbedding.Apply(q, rowCos, rowSin);
        k = RotaryEmbedding.Apply(k, rowCos, rowSin);

        var contexts = new Tensor[rows];
        for (var row = 0; row < rows; row++)
        {
            var (keys, values, keyStart) = caches[row].Append(k.narrow(0, row, 1), v.narrow(0, row, 1));
            contexts[row] = Attend(q.narrow(0, row, 1), keys, values, starts[row], keyStart, x.dtype, x.device);
        }

        var context = cat(contexts, 0).transpose(1, 2).reshape(rows, 1, _heads * _headDim);
        return _w.Output.Forward(context).MoveToOuterDisposeScope();
    }

    // Scores, mask, FP32 softmax and the weighted values of queries [1, heads, seq, head_dim] over cached keys.
    private Tensor Attend(Tensor q, Tensor k, Tensor v, long start, long keyStart, ScalarType dtype, Device device)
    {
        var seq = q.shape[2];
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
        if (!(DecodeOps.Enabled && seq == 1 && _window is null && keyStart + keyCount == start + 1))
        {
            // Skipped for one query with full attention over exactly the keys up to its own position (no padding the
            // cache hands out past it): it sees them all, so there is no mask to build.
            var allowed = Mask(start, seq, keyStart, keyCount, _window, device);

            // An explicit Scalar held until after the call: an implicit one can be finalized while libtorch still reads it
            // (seen once as "Expected false to be true" from Scalar::toFloat under a parallel test run).
            using var minusInfinity = TorchSharp.ScalarExtensionMethods.ToScalar(double.NegativeInfinity);
            scores32 = scores32.masked_fill(allowed.logical_not(), minusInfinity);
        }

        var probabilities = scores32.softmax(-1).to_type(dtype);
        return probabilities.matmul(v);
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
