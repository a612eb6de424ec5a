using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>FP32 weights: read as they are.</summary>
internal readonly unsafe struct Float32Element : IGemvElement
{
    public static int Size => 4;

    public static float InputScale => 1f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadScaled(byte* p) => *(float*)p;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p) => Vector256.Load((float*)p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p) => Vector512.Load((float*)p);
}
