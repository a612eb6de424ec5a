using System.Diagnostics;
using TorchSharp;

namespace PrecisionAnalyzers.Benchmarks.Decode;

/// <summary>Measures this machine's memory bandwidth with TorchSharp, the baseline of the decode roofline.</summary>
internal static class MemoryBandwidth
{
    /// <summary>Bytes copied per second by <c>dst.copy_(src)</c> on a tensor far larger than the caches (median of runs).</summary>
    public static double CopyBytesPerSecond(long bytes = 1L << 30, int runs = 7)
    {
        using var scope = torch.NewDisposeScope();
        var src = torch.ones(bytes / 4, dtype: torch.float32);
        var dst = torch.empty(bytes / 4, dtype: torch.float32);
        dst.copy_(src);
        return bytes / Median(runs, () => dst.copy_(src));
    }

    /// <summary>Bytes read per second by a sum over a tensor far larger than the caches (median of runs).</summary>
    public static double ReadBytesPerSecond(long bytes = 1L << 30, int runs = 7)
    {
        using var scope = torch.NewDisposeScope();
        var src = torch.ones(bytes / 4, dtype: torch.float32);
        src.sum().Dispose();
        return bytes / Median(runs, () => src.sum().Dispose());
    }

    private static double Median(int runs, Action action)
    {
        var seconds = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            seconds.Add(watch.Elapsed.TotalSeconds);
        }

        seconds.Sort();
        return seconds[seconds.Count / 2];
    }
}
