using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Quantization;

/// <summary>
/// The decode step's matrix-vector product against a block-quantized weight on the CPU: the activation row is widened to
/// FP32 once (zero-padded to whole blocks), and each weight block is widened to FP32 in registers, multiplied and summed,
/// then scaled once per block. Rows are split across the cores in small blocks taken dynamically, as
/// <c>CpuGemv</c> does. Paths: AVX-512, AVX2 (with FMA), and scalar; <see cref="Path"/> picks one for tests and benchmarks.
/// </summary>
internal static unsafe class QuantizedGemv
{
    /// <summary>Rows of one work item.</summary>
    private const int BlockRows = 64;

    private const int B = BlockQuantizer.BlockSize;

    /// <summary>The instruction set used (the best the CPU has unless a test or benchmark narrows it).</summary>
    public static KernelPath Path { get; set; } = Best;

    /// <summary>The best path this CPU runs.</summary>
    public static KernelPath Best => Avx512F.IsSupported && Avx512BW.IsSupported ? KernelPath.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? KernelPath.Avx2
        : KernelPath.Scalar;

    /// <summary>Workers the rows are split across.</summary>
    public static int Workers
    {
        get => Options.MaxDegreeOfParallelism;
        set => Options.MaxDegreeOfParallelism = Math.Max(1, value);
    }

    private static ParallelOptions Options { get; } = new() { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) };

    /// <summary>x·Wᵀ + b when x is a single row on the CPU and no gradient is wanted; otherwise null.</summary>
    public static Tensor? TryLinear(Tensor x, QuantizedWeight weight, Tensor? bias)
    {
        if (x.device_type != TorchSharp.DeviceType.CPU || weight.Values.device_type != TorchSharp.DeviceType.CPU || x.numel() != weight.Columns ||
            (is_grad_enabled() && x.requires_grad))
        {
            return null;
        }

        using var scope = NewDisposeScope();
        var input = x.to_type(ScalarType.Float32).contiguous();
        var shape = x.shape.ToArray();
        shape[^1] = weight.Rows;
        var output = empty(shape, ScalarType.Float32);
        var padded = (int)(weight.Blocks * B);
        var buffer = ArrayPool<float>.Shared.Rent(padded + (int)weight.Blocks);
        try
        {
            fixed (float* xp = buffer)
            {
                var span = new Span<float>(xp, padded);
                span.Clear();
                new ReadOnlySpan<float>((float*)NativeData.Of(input), (int)weight.Columns).CopyTo(span);
                var sums = xp + padded;
                for (var block = 0; block < weight.Blocks; block++)
                {
                    var total = 0f;
                    for (var i = 0; i < B; i++)
                    {
                        total += xp[(block * B) + i];
                    }

                    sums[block] = total;
                }

                var job = new Job(
                    weight.Format,
                    Path,
                    (byte*)NativeData.Of(weight.Values),
                    (ushort*)NativeData.Of(weight.Scales),
                    weight.Minimums is null ? null : (ushort*)NativeData.Of(weight.Minimums),
                    xp,
                    sums,
                    (float*)NativeData.Of(output),
                    (int)weight.Blocks);
                Split((int)weight.Rows, job);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }

        var result = bias is null ? output : output.add_(bias.to_type(ScalarType.Float32));
        return result.to_type(x.dtype).MoveToOuterDisposeScope();
    }

    private static void Split(int rows, Job job)
    {
        var blocks = (rows + BlockRows - 1) / BlockRows;
        if (Workers <= 1 || blocks <= 1)
        {
            job.Run(0, rows);
        }
        else
        {
            Parallel.For(0, blocks, Options, block => job.Run(block * BlockRows, Math.Min(rows, (block + 1) * BlockRows)));
        }
    }

    /// <summary>y[r] = Σ_blocks scale·(q·x) (+ minimum·Σx for int4) for a range of rows.</summary>
    private readonly struct Job(WeightQuantization format, KernelPath path, byte* values, ushort* scales, ushort* minimums, float* x, float* sums, float* y, int blocks)
    {
        public void Run(int first, int end)
        {
            for (var row = first; row < end; row++)
            {
                y[row] = format == WeightQuantization.Int8 ? Int8Row(row) : Int4Row(row);
            }
        }

        private float Int8Row(int row)
        {
            var q = (sbyte*)values + ((long)row * blocks * B);
            var s = scales + ((long)row * blocks);
            switch (path)
            {
                case KernelPath.Avx512:
                {
                    var acc = Vector512<float>.Zero;
                    for (var b = 0; b < blocks; b++)
                    {
                        var xb = x + (b * B);
                        var qb = q + (b * B);
                        var w0 = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(qb)));
                        var w1 = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(qb + 16)));
                        var t = Avx512F.FusedMultiplyAdd(w1, Vector512.Load(xb + 16), w0 * Vector512.Load(xb));
                        acc = Avx512F.FusedMultiplyAdd(Vector512.Create(Scale(s[b])), t, acc);
                    }

                    return Vector512.Sum(acc);
                }

                case KernelPath.Avx2:
                {
                    var acc = Vector256<float>.Zero;
                    for (var b = 0; b < blocks; b++)
                    {
                        var xb = x + (b * B);
                        var qb = q + (b * B);
                        var t = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(qb)) * Vector256.Load(xb);
                        t = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(qb + 8)), Vector256.Load(xb + 8), t);
                        t = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(qb + 16)), Vector256.Load(xb + 16), t);
                        t = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(qb + 24)), Vector256.Load(xb + 24), t);
                        acc = Fma.MultiplyAdd(Vector256.Create(Scale(s[b])), t, acc);
                    }

                    return Vector256.Sum(acc);
                }

                default:
                {
                    var total = 0f;
                    for (var b = 0; b < blocks; b++)
                    {
                        var dot = 0f;
                        for (var i = 0; i < B; i++)
                        {
                            dot += q[(b * B) + i] * x[(b * B) + i];
                        }

                        total += Scale(s[b]) * dot;
                    }

                    return total;
                }
            }
        }

        private float Int4Row(int row)
        {
            var packed = values + ((long)row * blocks * (B / 2));
            var s = scales + ((long)row * blocks);
            var m = minimums + ((long)row * blocks);
            var offset = 0f;
            for (var b = 0; b < blocks; b++)
            {
                offset += Scale(m[b]) * sums[b];
            }

            switch (path)
            {
                case KernelPath.Avx512:
                {
                    var acc = Vector512<float>.Zero;
                    var mask = Vector128.Create((byte)15);
                    for (var b = 0; b < blocks; b++)
                    {
                        var xb = x + (b * B);
                        var bytes = Vector128.Load(packed + (b * (B / 2)));
                        var low = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(bytes & mask));
                        var high = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & mask));
                        var t = Avx512F.FusedMultiplyAdd(high, Vector512.Load(xb + 16), low * Vector512.Load(xb));
                        acc = Avx512F.FusedMultiplyAdd(Vector512.Create(Scale(s[b])), t, acc);
                    }

                    return Vector512.Sum(acc) + offset;
                }

                case KernelPath.Avx2:
                {
                    var acc = Vector256<float>.Zero;
                    var mask = Vector128.Create((byte)15);
                    for (var b = 0; b < blocks; b++)
                    {
                        var xb = x + (b * B);
                        var bytes = Vector128.Load(packed + (b * (B / 2)));
                        var low = bytes & mask;
                        var high = Vector128.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & mask;
                        var t = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(low)) * Vector256.Load(xb);
                        t = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(low, 8))), Vector256.Load(xb + 8), t);
                        t = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(high)), Vector256.Load(xb + 16), t);
                        t = Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(high, 8))), Vector256.Load(xb + 24), t);
                        acc = Fma.MultiplyAdd(Vector256.Create(Scale(s[b])), t, acc);
                    }

                    return Vector256.Sum(acc) + offset;
                }

                default:
                {
                    var total = 0f;
                    for (var b = 0; b < blocks; b++)
                    {
                        var dot = 0f;
                        var block = packed + (b * (B / 2));
                        for (var j = 0; j < B / 2; j++)
                        {
                            dot += ((block[j] & 15) * x[(b * B) + j]) + ((block[j] >> 4) * x[(b * B) + j + (B / 2)]);
                        }

                        total += Scale(s[b]) * dot;
                    }

                    return total + offset;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Scale(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);
    }
}
