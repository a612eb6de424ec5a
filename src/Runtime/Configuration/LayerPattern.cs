using System.Collections;

namespace PrecisionAnalyzers.Runtime.Configuration;

/// <summary>
/// The attention kind of every layer, computed from the family's rule on demand rather than stored: a configuration with
/// half a billion layers costs nothing to read, and the planner answers from <see cref="SlidingCount"/> without a loop.
/// </summary>
internal sealed class LayerPattern : IReadOnlyList<LayerType>
{
    private readonly Func<int, bool> _isSliding;

    public LayerPattern(int count, long slidingCount, Func<int, bool> isSliding)
    {
        Count = count;
        SlidingCount = slidingCount;
        _isSliding = isSliding;
    }

    public int Count { get; }

    /// <summary>How many layers use sliding-window attention.</summary>
    public long SlidingCount { get; }

    public LayerType this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return _isSliding(index) ? LayerType.SlidingAttention : LayerType.FullAttention;
        }
    }

    public IEnumerator<LayerType> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
