using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// The small element-wise steps of a decode step (one token) done in one managed pass each instead of a chain of
/// libtorch calls: at one token each libtorch call costs microseconds of dispatch for nanoseconds of arithmetic, and a
/// layer made ~70 of them. Each op rounds to the activation dtype wherever the libtorch chain it replaces rounds, so
/// results match that chain to the last bit up to the order of a sum (RMSNorm's mean) and the last-ulp differences of
/// exp/rsqrt. They apply to contiguous CPU tensors in FP32, BF16 or FP16 and return null otherwise.
/// </summary>
internal static unsafe class DecodeOps
{
    /// <summary>Largest tensor the managed ops take (a few token rows); prefill stays with libtorch.</summary>
    private const long MaximumElements = 1 << 16;

    /// <summary>Whether these ops are used (off on <see cref="GemvPath.Legacy"/> and <see cref="GemvPath.Libtorch"/>, for comparison).</summary>
    public static bool Enabled => CpuGemv.Path == GemvPath.Kernels;

    /// <summary>RMSNorm of one row (one token; a prompt keeps libtorch's, see <see cref="RmsNorm"/> for the two styles).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor? RmsNorm(Tensor x, Tensor weight, double epsilon, NormStyle style)
    {
        var dtype = x.dtype;
        if (!Applies(x) || !Applies(weight) || weight.dtype != dtype || weight.numel() != x.shape[^1] || x.numel() != x.shape[^1])
        {
            return null;
        }

        var width = x.shape[^1];
        var rows = x.numel() / width;
        var result = empty(x.shape, dtype);
        byte* source = Address(x), target = Address(result), w = Address(weight);
        for (long r = 0; r < rows; r++)
        {
            var sum = 0f;
            for (long i = 0; i < width; i++)
            {
                var v = Load(source, dtype, (r * width) + i);
                sum += v * v;
            }

            var scale = 1f / MathF.Sqrt((sum / width) + (float)epsilon);
            for (long i = 0; i < width; i++)
            {
                var normalised = Load(source, dtype, (r * width) + i) * scale;
                var value = style == NormStyle.CastThenScale
                    ? Round(normalised, dtype) * Load(w, dtype, i)
                    : normalised * (Load(w, dtype, i) + 1f);
                Store(target, dtype, (r * width) + i, value);
            }
        }

        return result;
    }

    /// <summary>RoPE on [batch, heads, 1, head_dim] with (cos, sin) [1, head_dim]: x·cos + rotate_half(x)·sin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor? Rope(Tensor x, Tensor cos, Tensor sin)
    {
        var dtype = x.dtype;
        var dim = x.shape[^1];
        if (!Applies(x) || x.dim() != 4 || x.shape[2] != 1 || !Applies(cos) || !Applies(sin) || cos.dtype != dtype ||
            sin.dtype != dtype || cos.numel() != dim || sin.numel() != dim || dim % 2 != 0)
        {
            return null;
        }

        var half = dim / 2;
        var rows = x.numel() / dim;
        var result = empty(x.shape, dtype);
        byte* source = Address(x), target = Address(result), c = Address(cos), s = Address(sin);
        for (long r = 0; r < rows; r++)
        {
            var o = r * dim;
            for (long i = 0; i < dim; i++)
            {
                var rotated = i < half ? -Load(source, dtype, o + i + half) : Load(source, dtype, o + i - half);
                var value = Round(Load(source, dtype, o + i) * Load(c, dtype, i), dtype) + Round(rotated * Load(s, dtype, i), dtype);
                Store(target, dtype, o + i, value);
            }
        }

        return result;
    }

    /// <summary>SiLU(gate)·up of one token, each rounded to the dtype as libtorch's <c>silu</c> then <c>mul</c> round.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor? SiluTimes(Tensor gate, Tensor up)
    {
        var dtype = gate.dtype;
        if (!Applies(gate) || !Applies(up) || up.dtype != dtype || !gate.shape.SequenceEqual(up.shape) || gate.numel() != gate.shape[^1])
        {
            return null;
        }

        var result = empty(gate.shape, dtype);
        byte* g = Address(gate), u = Address(up), target = Address(result);
        var count = gate.numel();
        for (long i = 0; i < count; i++)
        {
            var v = Load(g, dtype, i);
            Store(target, dtype, i, Round(v / (1f + MathF.Exp(-v)), dtype) * Load(u, dtype, i));
        }

        return result;
    }

    /// <summary>Whether every element is finite; null when the tensor is not one the managed check reads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool? AllFinite(Tensor x)
    {
        if (!Applies(x))
        {
            return null;
        }

        var p = Address(x);
        var count = x.numel();
        switch (x.dtype)
        {
            case ScalarType.Float32:
                for (long i = 0; i < count; i++)
                {
                    if ((((uint*)p)[i] & 0x7F800000) == 0x7F800000)
                    {
                        return false;
                    }
                }

                return true;
            case ScalarType.BFloat16:
                for (long i = 0; i < count; i++)
                {
                    if ((((ushort*)p)[i] & 0x7F80) == 0x7F80)
                    {
                        return false;
                    }
                }

                return true;
            default:
                for (long i = 0; i < count; i++)
                {
                    if ((((ushort*)p)[i] & 0x7C00) == 0x7C00)
                    {
                        return false;
                    }
                }

                return true;
        }
    }

    private static bool Applies(Tensor x) =>
        Enabled && x.dtype is ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16 && x.device_type == DeviceType.CPU &&
        x.numel() is > 0 and <= MaximumElements && x.is_contiguous() && !(is_grad_enabled() && x.requires_grad);

    private static byte* Address(Tensor tensor) => (byte*)Unsafe.AsPointer(ref tensor.bytes.GetPinnableReference());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Load(byte* p, ScalarType dtype, long i) => dtype switch
    {
        ScalarType.Float32 => ((float*)p)[i],
        ScalarType.BFloat16 => BFloat16Element.Load(p + (2 * i)),
        _ => Float16Element.Load(p + (2 * i)),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(byte* p, ScalarType dtype, long i, float value)
    {
        switch (dtype)
        {
            case ScalarType.Float32:
                ((float*)p)[i] = value;
                break;
            case ScalarType.BFloat16:
                ((ushort*)p)[i] = BFloat16Element.FromSingle(value);
                break;
            default:
                ((Half*)p)[i] = (Half)value;
                break;
        }
    }

    /// <summary><paramref name="value"/> rounded to the dtype and back (what storing an intermediate in it does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Round(float value, ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => value,
        ScalarType.BFloat16 => BitConverter.Int32BitsToSingle(BFloat16Element.FromSingle(value) << 16),
        _ => (float)(Half)value,
    };
}
