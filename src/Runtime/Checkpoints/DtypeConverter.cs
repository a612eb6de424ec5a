using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Checkpoints;

/// <summary>
/// Converts stored bytes straight into a destination tensor's memory for the conversions that are bit arithmetic:
/// BF16 → FP32 (a 16-bit shift, exact) and FP32 → BF16 (round to nearest even, NaN kept quiet), vectorised and split across
/// cores. One read of the source and one write of the destination, with no temporary tensor; several times faster than
/// libtorch's <c>copy_</c> on this machine (docs/benchmarks.md). Other pairs go through libtorch.
/// </summary>
/// <remarks>
/// Into memory that already exists (<see cref="SafetensorsReader.ReadInto"/>), destinations of at least
/// <see cref="StreamingBytes"/> are written with non-temporal stores: the lines are not in the cache, and the stores skip
/// fetching each one before overwriting it (the lower median time in 9 of 10 comparisons, docs/benchmarks.md). A fresh destination is
/// written with ordinary stores: the kernel has just zeroed each page as it was first touched, so its lines are in the
/// cache already.
/// </remarks>
internal static unsafe class DtypeConverter
{
    private const long Block = 1 << 20;

    /// <summary>Destinations at least this large are written with non-temporal stores. Internal for tests.</summary>
    internal static long StreamingBytes { get; set; } = 8L << 20;

    public static bool Supports(ScalarType from, ScalarType to) =>
        (from, to) is (ScalarType.BFloat16, ScalarType.Float32) or (ScalarType.Float32, ScalarType.BFloat16);

    /// <summary>
    /// Converts <paramref name="elements"/> values at <paramref name="source"/> into <paramref name="destination"/>.
    /// <paramref name="existingMemory"/> says the destination was in use before (not freshly allocated): only then are
    /// large destinations written with non-temporal stores.
    /// </summary>
    public static void Convert(byte* source, long elements, ScalarType from, ScalarType to, byte* destination, bool existingMemory)
    {
        var blocks = (elements + Block - 1) / Block;
        var sourceAddress = (nint)source;
        var destinationAddress = (nint)destination;
        var streaming = existingMemory && elements * (to == ScalarType.Float32 ? 4 : 2) >= StreamingBytes;
        Parallel.For(0, blocks, block =>
        {
            var start = block * Block;
            var count = Math.Min(Block, elements - start);
            if (from == ScalarType.BFloat16)
            {
                WidenBFloat16((ushort*)sourceAddress + start, (uint*)destinationAddress + start, count, streaming);
            }
            else
            {
                NarrowToBFloat16((uint*)sourceAddress + start, (ushort*)destinationAddress + start, count, streaming);
            }
        });
    }

    /// <summary>Whether non-temporal 64-byte stores are available here.</summary>
    internal static bool CanStream => Vector512.IsHardwareAccelerated && Sse.IsSupported;

    /// <summary>BF16 → FP32: the 16 bits become the upper half of the FP32 bits; exact.</summary>
    internal static void WidenBFloat16(ushort* source, uint* destination, long count, bool streaming = false)
    {
        long i = 0;
        if (streaming && CanStream)
        {
            // Element by element up to the first 64-byte boundary of the destination, then whole aligned lines.
            for (; i < count && ((nint)(destination + i) & 63) != 0; i++)
            {
                destination[i] = (uint)source[i] << 16;
            }

            for (; i + Vector512<ushort>.Count <= count; i += Vector512<ushort>.Count)
            {
                var (lower, upper) = Vector512.Widen(Vector512.Load(source + i));
                Vector512.ShiftLeft(lower, 16).StoreAlignedNonTemporal(destination + i);
                Vector512.ShiftLeft(upper, 16).StoreAlignedNonTemporal(destination + i + Vector512<uint>.Count);
            }

            Sse.StoreFence();
        }
        else if (Vector256.IsHardwareAccelerated)
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
    internal static void NarrowToBFloat16(uint* source, ushort* destination, long count, bool streaming = false)
    {
        long i = 0;
        if (streaming && CanStream)
        {
            for (; i < count && ((nint)(destination + i) & 63) != 0; i++)
            {
                destination[i] = Round(source[i]);
            }

            var one = Vector512.Create(1u);
            var bias = Vector512.Create(0x7FFFu);
            var magnitude = Vector512.Create(0x7FFFFFFFu);
            var infinity = Vector512.Create(0x7F800000u);
            var quiet = Vector512.Create(0x0040u);
            for (; i + Vector512<ushort>.Count <= count; i += Vector512<ushort>.Count)
            {
                var lower = Round(Vector512.Load(source + i), one, bias, magnitude, infinity, quiet);
                var upper = Round(Vector512.Load(source + i + Vector512<uint>.Count), one, bias, magnitude, infinity, quiet);
                Vector512.Narrow(lower, upper).StoreAlignedNonTemporal(destination + i);
            }

            Sse.StoreFence();
        }
        else if (Vector256.IsHardwareAccelerated)
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

    private static Vector512<uint> Round(Vector512<uint> bits, Vector512<uint> one, Vector512<uint> bias, Vector512<uint> magnitude, Vector512<uint> infinity, Vector512<uint> quiet)
    {
        var rounded = Vector512.ShiftRightLogical(bits + bias + (Vector512.ShiftRightLogical(bits, 16) & one), 16);
        var nan = Vector512.GreaterThan(bits & magnitude, infinity);
        return Vector512.ConditionalSelect(nan, Vector512.ShiftRightLogical(bits, 16) | quiet, rounded);
    }
}
