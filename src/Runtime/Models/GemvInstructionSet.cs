namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>The vector instructions the decode GEMV kernels may use; tests force the narrower ones.</summary>
internal enum GemvInstructionSet
{
    /// <summary>Plain scalar code.</summary>
    Scalar,

    /// <summary>256-bit AVX2 with FMA.</summary>
    Avx2,

    /// <summary>512-bit AVX-512 (F) with FMA.</summary>
    Avx512,
}
