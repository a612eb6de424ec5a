using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;

namespace PrecisionAnalyzers.Benchmarks.Decode;

/// <summary>
/// Measures this machine's memory bandwidth, the baseline of the decode roofline: a decode step only reads its weights, so
/// its ceiling is the <em>read</em> bandwidth (<see cref="ReadBytesPerSecond"/>); <see cref="CopyBytesPerSecond"/> (a copy
/// reads and writes every byte) is kept beside it for the older tables.
/// </summary>
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

    /// <summary>
    /// Bytes read per second by a vectorised sum over a buffer far larger than the caches (1 GiB), split in contiguous
    /// chunks across <paramref name="threads"/> threads, each with four independent accumulators (median of runs).
    /// </summary>
    public static unsafe double ReadBytesPerSecond(int threads, long bytes = 1L << 30, int runs = 7)
    {
        var count = bytes / sizeof(float);
        var buffer = (float*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        try
        {
            new Span<float>(buffer, (int)Math.Min(count, int.MaxValue / 2)).Fill(1f);
            for (var offset = (long)(int.MaxValue / 2); offset < count; offset += int.MaxValue / 2)
            {
                new Span<float>(buffer + offset, (int)Math.Min(count - offset, int.MaxValue / 2)).Fill(1f);
            }

            var chunk = count / threads / 64 * 64;
            var sums = new float[threads];
            void Sum()
            {
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
                {
                    var end = t == threads - 1 ? count : (t + 1) * chunk;
                    sums[t] = SumRange(buffer, t * chunk, end);
                });
            }

            Sum();
            var seconds = Median(runs, Sum);
            if (Math.Abs(sums.Sum() - count) > count * 1e-3)
            {
                throw new InvalidOperationException($"read-bandwidth sum is {sums.Sum()}, expected {count}.");
            }

            return bytes / seconds;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    private static unsafe float SumRange(float* data, long start, long end)
    {
        var width = Vector256<float>.Count;
        Vector256<float> a = default, b = default, c = default, d = default;
        var i = start;
        for (; i + 4 * width <= end; i += 4 * width)
        {
            a += Vector256.Load(data + i);
            b += Vector256.Load(data + i + width);
            c += Vector256.Load(data + i + 2 * width);
            d += Vector256.Load(data + i + 3 * width);
        }

        // Partial sums of ones stay exact below 2^24 per lane; the caller compares the total with a tolerance anyway.
        var total = Vector256.Sum(a + b + c + d);
        for (; i < end; i++)
        {
            total += data[i];
        }

        return total;
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
