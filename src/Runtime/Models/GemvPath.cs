namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>Which code computes the matrix-vector products of a decode step (one token) on the CPU.</summary>
internal enum GemvPath
{
    /// <summary>The runtime's kernels for FP32, BF16 and FP16 weights on its own worker threads (the default).</summary>
    Kernels,

    /// <summary>libtorch's <c>linear</c> for every dtype (<c>PRECISION_GEMV=libtorch</c>).</summary>
    Libtorch,

    /// <summary>The FP32-only row split of before issue 17, BF16 and FP16 in libtorch (<c>PRECISION_GEMV=legacy</c>), for the benchmark.</summary>
    Legacy,
}
