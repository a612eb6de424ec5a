using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// BF16 weights: a BF16 value is the top half of an FP32 one, so widening is a zero-extension and a 16-bit shift
/// (<c>vpmovzxwd</c>, <c>vpslld</c>), exact. .NET 10 does not expose <c>vdpbf16ps</c>; a decode GEMV is bound by memory
/// bandwidth, not by these two instructions.
/// </summary>
internal readonly unsafe struct BFloat16Element : IGemvElement
{
    public static int Size => 2;

    public static float InputScale => 1f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadScaled(byte* p) => Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(byte* p) => BitConverter.Int32BitsToSingle(*(ushort*)p << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p) =>
        Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((ushort*)p), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p) =>
        Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512Int32(Vector256.Load((ushort*)p)), 16).AsSingle();

    /// <summary>FP32 to BF16, rounding to nearest even (NaN stays NaN), as libtorch rounds.</summary>
    public static ushort FromSingle(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }

        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
}
