using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// FP16 weights. .NET 10 exposes no F16C (<c>vcvtph2ps</c>), so a vector is widened with integer instructions: the
/// sign-extended half shifted left by 13 puts exponent and mantissa where FP32 keeps them and the sign in bit 31; masking
/// bits 28–30 and multiplying by 2¹¹² rebiases the exponent (15 → 127), which also turns a subnormal half into the right
/// normal float. Exact for every finite half; an infinity or NaN would come out finite, so the kernel is only used on
/// weights checked to be finite (<see cref="CpuGemv"/>).
/// </summary>
internal readonly unsafe struct Float16Element : IGemvElement
{
    private const int Mask = unchecked((int)0x8FFFE000);

    /// <summary>2¹¹² (bits 0x77800000).</summary>
    private const float Rebias = 5192296858534827628530496329220096f;

    public static int Size => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(byte* p) => (float)*(Half*)p;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* p)
    {
        var bits = Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((short*)p), 13) & Vector256.Create(Mask);
        return bits.AsSingle() * Vector256.Create(Rebias);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* p)
    {
        var bits = Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512Int32(Vector256.Load((short*)p)), 13) & Vector512.Create(Mask);
        return bits.AsSingle() * Vector512.Create(Rebias);
    }
}
