using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Checkpoints;

/// <summary>
/// Converts stored bytes straight into a destination tensor's memory for the conversions that are bit arithmetic:
/// BF16 → FP32 (a 16-bit shift, exact) and FP32 → BF16 (round to nearest even, NaN kept quiet), vectorised and split across
/// cores. One read of the source and one write of the destination, with no temporary tensor; several times faster than
/// libtorch's <c>copy_</c> on this machine (docs/benchmarks.md). Other pairs go through libtorch.
/// </summary>
internal static unsafe class DtypeConverter
{
    private const long Block = 1 << 20;

    public static bool Supports(ScalarType from, ScalarType to) =>
        (from, to) is (ScalarType.BFloat16, ScalarType.Float32) or (ScalarType.Float32, ScalarType.BFloat16);

    /// <summary>Converts <paramref name="elements"/> values at <paramref name="source"/> into <paramref name="destination"/>.</summary>
    public static void Convert(byte* source, long elements, ScalarType from, ScalarType to, byte* destination)
    {
        var blocks = (elements + Block - 1) / Block;
        var sourceAddress = (nint)source;
        var destinationAddress = (nint)destination;
        Parallel.For(0, blocks, block =>
        {
            var start = block * Block;
            var count = Math.Min(Block, elements - start);
            if (from == ScalarType.BFloat16)
            {
                WidenBFloat16((ushort*)sourceAddress + start, (uint*)destinationAddress + start, count);
            }
            else
            {
                NarrowToBFloat16((uint*)sourceAddress + start, (ushort*)destinationAddress + start, count);
            }
        });
    }

    /// <summary>BF16 → FP32: the 16 bits become the upper half of the FP32 bits; exact.</summary>
    internal static void WidenBFloat16(ushort* source, uint* destination, long count)
    {
        long i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<ushort>.Count <= count; i += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.Load(source + i));
                Vector256.ShiftLeft(lower, 16).Store(destination + i);
                Vector256.ShiftLeft(upper, 16).Store(destination + i + Vector256<uint>.Count);
            }
        }

        for (; i < count; i++)
        {
            destination[i] = (uint)source[i] << 16;
        }
    }

    /// <summary>FP32 → BF16, rounding to nearest, ties to even; a NaN stays a (quiet) NaN.</summary>
    internal static void NarrowToBFloat16(uint* source, ushort* destination, long count)
    {
        long i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256.Create(1u);
            var bias = Vector256.Create(0x7FFFu);
            var magnitude = Vector256.Create(0x7FFFFFFFu);
            var infinity = Vector256.Create(0x7F800000u);
            var quiet = Vector256.Create(0x0040u);
            for (; i + (2 * Vector256<uint>.Count) <= count; i += 2 * Vector256<uint>.Count)
            {
                var lower = Round(Vector256.Load(source + i), one, bias, magnitude, infinity, quiet);
                var upper = Round(Vector256.Load(source + i + Vector256<uint>.Count), one, bias, magnitude, infinity, quiet);
                Vector256.Narrow(lower, upper).Store(destination + i);
            }
        }

        for (; i < count; i++)
        {
            destination[i] = Round(source[i]);
        }
    }

    internal static ushort Round(uint bits) =>
        (bits & 0x7FFFFFFF) > 0x7F800000
            ? (ushort)((bits >> 16) | 0x0040)
            : (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);

    private static Vector256<uint> Round(Vector256<uint> bits, Vector256<uint> one, Vector256<uint> bias, Vector256<uint> magnitude, Vector256<uint> infinity, Vector256<uint> quiet)
    {
        var rounded = Vector256.ShiftRightLogical(bits + bias + (Vector256.ShiftRightLogical(bits, 16) & one), 16);
        var nan = Vector256.GreaterThan(bits & magnitude, infinity);
        return Vector256.ConditionalSelect(nan, Vector256.ShiftRightLogical(bits, 16) | quiet, rounded);
    }
}
