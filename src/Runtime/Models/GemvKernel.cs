using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// y[r] = W[r]·x for a range of rows of one row-major weight in element type <typeparamref name="T"/>, x in FP32 (already
/// multiplied by <see cref="IGemvElement.InputScale"/>),
/// accumulating in FP32: four rows at a time (x is loaded once for four rows) with two accumulators per row (eight
/// independent FMA chains), each weight byte read once.
/// </summary>
internal static unsafe class GemvKernel<T>
    where T : struct, IGemvElement
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(byte* weight, long columns, float* x, long first, long end, float* y, GemvInstructionSet instructions)
    {
        var stride = columns * T.Size;
        var row = first;
        for (; row + 4 <= end; row += 4)
        {
            var w = weight + (row * stride);
            var out4 = y + (row - first);
            switch (instructions)
            {
                case GemvInstructionSet.Avx512:
                    Dot4Avx512(w, stride, columns, x, out4);
                    break;
                case GemvInstructionSet.Avx2:
                    Dot4Avx2(w, stride, columns, x, out4);
                    break;
                default:
                    for (var k = 0; k < 4; k++)
                    {
                        out4[k] = DotScalar(w + (k * stride), x, 0, columns, 0);
                    }

                    break;
            }
        }

        for (; row < end; row++)
        {
            y[row - first] = Dot1(weight + (row * stride), columns, x, instructions);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4Avx512(byte* w0, long stride, long columns, float* x, float* y)
    {
        var w1 = w0 + stride;
        var w2 = w1 + stride;
        var w3 = w2 + stride;
        var a0 = Vector512<float>.Zero;
        var a1 = Vector512<float>.Zero;
        var a2 = Vector512<float>.Zero;
        var a3 = Vector512<float>.Zero;
        var b0 = Vector512<float>.Zero;
        var b1 = Vector512<float>.Zero;
        var b2 = Vector512<float>.Zero;
        var b3 = Vector512<float>.Zero;
        long i = 0;
        for (; i + 32 <= columns; i += 32)
        {
            var v = Vector512.Load(x + i);
            var u = Vector512.Load(x + i + 16);
            var o = i * T.Size;
            var p = (i + 16) * T.Size;
            a0 = Vector512.FusedMultiplyAdd(T.Load16(w0 + o), v, a0);
            a1 = Vector512.FusedMultiplyAdd(T.Load16(w1 + o), v, a1);
            a2 = Vector512.FusedMultiplyAdd(T.Load16(w2 + o), v, a2);
            a3 = Vector512.FusedMultiplyAdd(T.Load16(w3 + o), v, a3);
            b0 = Vector512.FusedMultiplyAdd(T.Load16(w0 + p), u, b0);
            b1 = Vector512.FusedMultiplyAdd(T.Load16(w1 + p), u, b1);
            b2 = Vector512.FusedMultiplyAdd(T.Load16(w2 + p), u, b2);
            b3 = Vector512.FusedMultiplyAdd(T.Load16(w3 + p), u, b3);
        }

        if (i + 16 <= columns)
        {
            var v = Vector512.Load(x + i);
            var o = i * T.Size;
            a0 = Vector512.FusedMultiplyAdd(T.Load16(w0 + o), v, a0);
            a1 = Vector512.FusedMultiplyAdd(T.Load16(w1 + o), v, a1);
            a2 = Vector512.FusedMultiplyAdd(T.Load16(w2 + o), v, a2);
            a3 = Vector512.FusedMultiplyAdd(T.Load16(w3 + o), v, a3);
            i += 16;
        }

        y[0] = DotScalar(w0, x, i, columns, Vector512.Sum(a0 + b0));
        y[1] = DotScalar(w1, x, i, columns, Vector512.Sum(a1 + b1));
        y[2] = DotScalar(w2, x, i, columns, Vector512.Sum(a2 + b2));
        y[3] = DotScalar(w3, x, i, columns, Vector512.Sum(a3 + b3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4Avx2(byte* w0, long stride, long columns, float* x, float* y)
    {
        var w1 = w0 + stride;
        var w2 = w1 + stride;
        var w3 = w2 + stride;
        var a0 = Vector256<float>.Zero;
        var a1 = Vector256<float>.Zero;
        var a2 = Vector256<float>.Zero;
        var a3 = Vector256<float>.Zero;
        var b0 = Vector256<float>.Zero;
        var b1 = Vector256<float>.Zero;
        var b2 = Vector256<float>.Zero;
        var b3 = Vector256<float>.Zero;
        long i = 0;
        for (; i + 16 <= columns; i += 16)
        {
            var v = Vector256.Load(x + i);
            var u = Vector256.Load(x + i + 8);
            var o = i * T.Size;
            var p = (i + 8) * T.Size;
            a0 = Vector256.FusedMultiplyAdd(T.Load8(w0 + o), v, a0);
            a1 = Vector256.FusedMultiplyAdd(T.Load8(w1 + o), v, a1);
            a2 = Vector256.FusedMultiplyAdd(T.Load8(w2 + o), v, a2);
            a3 = Vector256.FusedMultiplyAdd(T.Load8(w3 + o), v, a3);
            b0 = Vector256.FusedMultiplyAdd(T.Load8(w0 + p), u, b0);
            b1 = Vector256.FusedMultiplyAdd(T.Load8(w1 + p), u, b1);
            b2 = Vector256.FusedMultiplyAdd(T.Load8(w2 + p), u, b2);
            b3 = Vector256.FusedMultiplyAdd(T.Load8(w3 + p), u, b3);
        }

        if (i + 8 <= columns)
        {
            var v = Vector256.Load(x + i);
            var o = i * T.Size;
            a0 = Vector256.FusedMultiplyAdd(T.Load8(w0 + o), v, a0);
            a1 = Vector256.FusedMultiplyAdd(T.Load8(w1 + o), v, a1);
            a2 = Vector256.FusedMultiplyAdd(T.Load8(w2 + o), v, a2);
            a3 = Vector256.FusedMultiplyAdd(T.Load8(w3 + o), v, a3);
            i += 8;
        }

        y[0] = DotScalar(w0, x, i, columns, Vector256.Sum(a0 + b0));
        y[1] = DotScalar(w1, x, i, columns, Vector256.Sum(a1 + b1));
        y[2] = DotScalar(w2, x, i, columns, Vector256.Sum(a2 + b2));
        y[3] = DotScalar(w3, x, i, columns, Vector256.Sum(a3 + b3));
    }

    private static float Dot1(byte* w, long columns, float* x, GemvInstructionSet instructions)
    {
        long i = 0;
        var sum = 0f;
        if (instructions == GemvInstructionSet.Avx512)
        {
            var a = Vector512<float>.Zero;
            for (; i + 16 <= columns; i += 16)
            {
                a = Vector512.FusedMultiplyAdd(T.Load16(w + (i * T.Size)), Vector512.Load(x + i), a);
            }

            sum = Vector512.Sum(a);
        }
        else if (instructions == GemvInstructionSet.Avx2)
        {
            var a = Vector256<float>.Zero;
            for (; i + 8 <= columns; i += 8)
            {
                a = Vector256.FusedMultiplyAdd(T.Load8(w + (i * T.Size)), Vector256.Load(x + i), a);
            }

            sum = Vector256.Sum(a);
        }

        return DotScalar(w, x, i, columns, sum);
    }

    /// <summary><paramref name="sum"/> + Σ w[i]·x[i] over [<paramref name="from"/>, <paramref name="columns"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotScalar(byte* w, float* x, long from, long columns, float sum)
    {
        for (var i = from; i < columns; i++)
        {
            sum = MathF.FusedMultiplyAdd(T.LoadScaled(w + (i * T.Size)), x[i], sum);
        }

        return sum;
    }
}
