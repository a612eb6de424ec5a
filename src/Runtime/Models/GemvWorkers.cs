using System.Diagnostics;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// The threads the decode GEMV kernels split their rows across: the calling thread plus <see cref="Count"/> dedicated
/// workers. A worker spins for a short time after each call (a decode step issues its GEMVs tens of microseconds apart,
/// and waking a sleeping thread costs about as much), then sleeps, so it never spins through libtorch's multi-threaded
/// work such as a prefill. Blocks are claimed dynamically: when a core is busy with another process the others take its
/// share, and the caller never waits for a worker that has not started.
/// </summary>
internal sealed class GemvWorkers : IDisposable
{
    private readonly object _gate = new();
    private readonly Thread[] _threads;
    private readonly long _spinTicks;
    private GemvWork? _current;
    private int _generation;
    private int _sleepers;
    private volatile bool _disposed;

    public GemvWorkers(int count, TimeSpan spin)
    {
        _spinTicks = (long)(spin.TotalSeconds * Stopwatch.Frequency);
        _threads = new Thread[Math.Max(0, count)];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Loop) { IsBackground = true, Name = $"precision-gemv-{i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>Dedicated workers (the caller is one more thread).</summary>
    public int Count => _threads.Length;

    /// <summary>Runs every block of <paramref name="work"/> on the caller and the workers; returns when all are done.</summary>
    public void Run(GemvWork work)
    {
        if (_threads.Length == 0 || work.Blocks <= 1)
        {
            work.Claim();
            return;
        }

        Volatile.Write(ref _current, work);
        Interlocked.Increment(ref _generation);
        if (Volatile.Read(ref _sleepers) > 0)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }

        work.Claim();
        var wait = default(SpinWait);
        while (!work.Finished)
        {
            wait.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void Loop()
    {
        var seen = Volatile.Read(ref _generation);
        while (!_disposed)
        {
            var deadline = Stopwatch.GetTimestamp() + _spinTicks;
            while (Volatile.Read(ref _generation) == seen && Stopwatch.GetTimestamp() < deadline)
            {
                Thread.SpinWait(16);
            }

            if (Volatile.Read(ref _generation) == seen)
            {
                lock (_gate)
                {
                    Interlocked.Increment(ref _sleepers);
                    while (Volatile.Read(ref _generation) == seen && !_disposed)
                    {
                        Monitor.Wait(_gate);
                    }

                    Interlocked.Decrement(ref _sleepers);
                }
            }

            seen = Volatile.Read(ref _generation);
            Volatile.Read(ref _current)?.Claim();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }
}
