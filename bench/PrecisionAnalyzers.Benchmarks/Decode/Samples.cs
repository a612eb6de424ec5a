using System.Globalization;

namespace PrecisionAnalyzers.Benchmarks.Decode;

/// <summary>The measurements of one variant across rounds: median and spread (min–max).</summary>
internal sealed class Samples
{
    private readonly List<double> _values = [];

    public int Count => _values.Count;

    public void Add(double value) => _values.Add(value);

    public double Median
    {
        get
        {
            var sorted = _values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    public string Spread(string format) => string.Create(CultureInfo.InvariantCulture, $"{_values.Min().ToString(format, CultureInfo.InvariantCulture)}–{_values.Max().ToString(format, CultureInfo.InvariantCulture)}");
}
