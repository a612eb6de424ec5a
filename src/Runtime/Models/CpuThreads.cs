using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// The process's one CPU thread count, shared by libtorch's intra-op threads and the decode kernels' workers so the two
/// never oversubscribe the cores: libtorch runs its parallel ops (prefill, encoders) on <see cref="Current"/> threads while
/// the kernels' workers sleep, and a decode GEMV splits across the calling thread plus <see cref="Current"/> − 1 workers
/// while libtorch is idle. The default is the cores this process may use (<see cref="Environment.ProcessorCount"/>,
/// which honours affinity and container limits); <c>PRECISION_THREADS</c>, <see cref="LoadOptions.Threads"/> or the
/// CLI's <c>--threads</c> set it.
/// </summary>
public static class CpuThreads
{
    private static readonly object Gate = new();

    /// <summary>The thread count in force.</summary>
    public static int Current { get; private set; } = Default();

    /// <summary>
    /// Sets the process-wide thread count for libtorch and the kernels (libtorch must be loaded). A model loaded later
    /// with another count changes it for every model in the process.
    /// </summary>
    public static void Set(int threads, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        lock (Gate)
        {
            Current = threads;
            if (get_num_threads() != threads)
            {
                set_num_threads(threads);
            }

            CpuGemv.SetThreads(threads);
        }

        logger?.LogDebug("CPU threads: {Threads} (libtorch intra-op and the decode kernels).", threads);
    }

    /// <summary>Applies <see cref="Current"/> to libtorch (once libtorch is loaded).</summary>
    internal static void ApplyDefault()
    {
        lock (Gate)
        {
            if (get_num_threads() != Current)
            {
                set_num_threads(Current);
            }
        }
    }

    private static int Default()
    {
        var cores = Math.Max(1, Environment.ProcessorCount);
        return int.TryParse(Environment.GetEnvironmentVariable("PRECISION_THREADS"), out var threads) && threads >= 1
            ? Math.Min(threads, 4 * cores)
            : cores;
    }
}
