using System.Runtime.Intrinsics;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>How the GEMV kernels read one weight dtype: widened to FP32, one element or a vector at a time.</summary>
internal unsafe interface IGemvElement
{
    /// <summary>Bytes of one element.</summary>
    static abstract int Size { get; }

    /// <summary>The element at <paramref name="p"/> as FP32 (exact).</summary>
    static abstract float Load(byte* p);

    /// <summary>Eight elements from <paramref name="p"/> (AVX2).</summary>
    static abstract Vector256<float> Load8(byte* p);

    /// <summary>Sixteen elements from <paramref name="p"/> (AVX-512).</summary>
    static abstract Vector512<float> Load16(byte* p);
}
