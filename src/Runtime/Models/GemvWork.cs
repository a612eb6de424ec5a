using System.Runtime.CompilerServices;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// One call's blocks for <see cref="GemvWorkers"/>: threads claim block indexes from <see cref="Claim"/> until none are
/// left. The counters live in the work item, so a worker that wakes late for an earlier call finds that call's blocks all
/// claimed and can never take a block of a newer one by mistake.
/// </summary>
internal abstract class GemvWork
{
    private int _next;
    private int _done;

    protected GemvWork(int blocks) => Blocks = blocks;

    public int Blocks { get; }

    public bool Finished => Volatile.Read(ref _done) >= Blocks;

    /// <summary>Computes block <paramref name="block"/>.</summary>
    protected abstract void Run(int block);

    /// <summary>Runs blocks until none are left unclaimed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Claim()
    {
        int block;
        while ((block = Interlocked.Increment(ref _next) - 1) < Blocks)
        {
            Run(block);
            Interlocked.Increment(ref _done);
        }
    }
}
