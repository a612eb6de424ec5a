using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// FP16 weights. .NET 10 exposes no F16C (<c>vcvtph2ps</c>), so a vector is widened with integer instructions: the
/// sign-extended half shifted left by 13 puts exponent and mantissa where FP32 keeps them and the sign in bit 31; masking
/// bits 28–30 leaves exactly the weight times 2⁻¹¹² (the exponent bias is 15, not 127; a subnormal half stays exact as a
/// subnormal float). The input is multiplied by 2¹¹² instead (<see cref="InputScale"/>; finite, as |x| ≤ 65504 &lt; 2¹⁶),
/// so each product w·x is the same and the widening is three instructions. Exact for every finite half; an infinity or
/// NaN would come out finite, so the kernel is only used on weights checked to be finite (<see cref="CpuGemv"/>).
/// </summary>
internal readonly unsafe struct Float16Element : IGemvElement
{
    private const int Mask = unchecked((int)0x8FFFE000);

    public static int Size => 2;

    /// <summary>2¹¹² (bits 0x77800000).</summary>
    public static float InputScale => 5192296858534827628530496329220096f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadScaled(byte* p) => BitConverter.Int32BitsToSingle((*(short*)p << 13) & Mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(byte* p) => (float)*(Half*)p;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p)
    {
        return (Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((short*)p), 13) & Vector256.Create(Mask)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p)
    {
        return (Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512Int32(Vector256.Load((short*)p)), 13) & Vector512.Create(Mask)).AsSingle();
    }
}
