using System.Runtime.Intrinsics;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// How the GEMV kernels read one weight dtype: widened to FP32, one element or a vector at a time. The kernel's value
/// may be the weight times 1 / <see cref="InputScale"/> when that is cheaper to widen; the input is then multiplied by
/// <see cref="InputScale"/> once per call, so every product w·x is the same.
/// </summary>
internal unsafe interface IGemvElement
{
    /// <summary>Bytes of one element.</summary>
    static abstract int Size { get; }

    /// <summary>What the input is multiplied by (a power of two) before the kernel reads these weights.</summary>
    static abstract float InputScale { get; }

    /// <summary>The element at <paramref name="p"/> as the kernel reads it (exact, times 1 / <see cref="InputScale"/>).</summary>
    static abstract float LoadScaled(byte* p);

    /// <summary>Eight elements from <paramref name="p"/> as the kernel reads them (AVX2).</summary>
    static abstract Vector256<float> Load8(byte* p);

    /// <summary>Sixteen elements from <paramref name="p"/> as the kernel reads them (AVX-512).</summary>
    static abstract Vector512<float> Load16(byte* p);
}
