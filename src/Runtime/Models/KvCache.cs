using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// The key/value cache of one generation: per layer, the keys and values of past positions. A sliding-window layer
/// keeps at most its window of positions; full-attention layers keep everything.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly LayerKvCache[] _layers;

    internal KvCache(IReadOnlyList<long?> windows)
    {
        _layers = windows.Select(window => new LayerKvCache(window)).ToArray();
    }

    /// <summary>How many positions the model has seen (the next token's position).</summary>
    public long Length { get; private set; }

    /// <summary>Positions held by layer <paramref name="layer"/>.</summary>
    public long HeldPositions(int layer) => _layers[layer].Count;

    internal LayerKvCache Layer(int layer) => _layers[layer];

    internal void Advance(long positions) => Length += positions;

    public void Dispose()
    {
        foreach (var layer in _layers)
        {
            layer.Dispose();
        }
    }
}

/// <summary>One layer's cached keys and values, [batch, kv_heads, positions, head_dim], and the first position they hold.</summary>
internal sealed class LayerKvCache : IDisposable
{
    private readonly long? _window;
    private Tensor? _keys;
    private Tensor? _values;

    public LayerKvCache(long? window)
    {
        _window = window;
    }

    /// <summary>The absolute position of the first cached key.</summary>
    public long Start { get; private set; }

    public long Count { get; private set; }

    /// <summary>
    /// Adds the keys and values of new positions and returns everything attention needs for them (tensors in the
    /// caller's dispose scope) and the absolute position of the first returned key; then trims to the window.
    /// Full-attention layers write into a buffer that doubles when full, so a decode step copies only the new position.
    /// </summary>
    public (Tensor Keys, Tensor Values, long FirstPosition) Append(Tensor keys, Tensor values) =>
        _window is null ? AppendToBuffer(keys, values) : AppendSliding(keys, values, _window.Value);

    /// <summary>
    /// Full-attention layers hand attention their keys in steps of this many positions (zeros past the last one, which the
    /// causal mask hides), so the attention products change shape once in 128 tokens, not with every token: libtorch's
    /// BF16/FP16 CPU matrix products (oneDNN) build and keep code for each shape they meet.
    /// </summary>
    internal const long VisibleStep = 128;

    private (Tensor Keys, Tensor Values, long FirstPosition) AppendToBuffer(Tensor keys, Tensor values)
    {
        var added = keys.shape[2];
        var needed = Count + added;
        if (_keys is null || _values is null || _keys.shape[2] < needed)
        {
            var capacity = Math.Max((needed + VisibleStep - 1) / VisibleStep * VisibleStep, 2 * (_keys?.shape[2] ?? 0));
            _keys = Grow(_keys, keys, capacity);
            _values = Grow(_values, values, capacity);
        }

        _keys.narrow(2, Count, added).copy_(keys);
        _values.narrow(2, Count, added).copy_(values);
        Count = needed;
        var visible = Math.Min(_keys.shape[2], (needed + VisibleStep - 1) / VisibleStep * VisibleStep);
        return (_keys.narrow(2, 0, visible), _values.narrow(2, 0, visible), Start);
    }

    private Tensor Grow(Tensor? old, Tensor like, long capacity)
    {
        var shape = like.shape.ToArray();
        shape[2] = capacity;
        // Zeros, not empty: positions past Count are read (and masked) by attention, and a NaN there would survive the mask in probabilities·V.
        var buffer = zeros(shape, dtype: like.dtype, device: like.device).DetachFromDisposeScope();
        if (old is not null)
        {
            buffer.narrow(2, 0, Count).copy_(old.narrow(2, 0, Count));
            old.Dispose();
        }

        return buffer;
    }

    private (Tensor Keys, Tensor Values, long FirstPosition) AppendSliding(Tensor keys, Tensor values, long window)
    {
        var first = Start;
        var allKeys = _keys is null ? keys.alias() : cat([_keys, keys], 2);
        var allValues = _values is null ? values.alias() : cat([_values, values], 2);
        var total = allKeys.shape[2];

        Tensor keptKeys;
        Tensor keptValues;
        if (total > window)
        {
            keptKeys = allKeys.narrow(2, total - window, window).clone();
            keptValues = allValues.narrow(2, total - window, window).clone();
            Start = first + total - window;
            Count = window;
        }
        else
        {
            keptKeys = allKeys.alias();
            keptValues = allValues.alias();
            Count = total;
        }

        _keys?.Dispose();
        _values?.Dispose();
        _keys = keptKeys.DetachFromDisposeScope();
        _values = keptValues.DetachFromDisposeScope();
        return (allKeys, allValues, first);
    }

    public void Dispose()
    {
        _keys?.Dispose();
        _values?.Dispose();
        _keys = null;
        _values = null;
        Count = 0;
    }
}
