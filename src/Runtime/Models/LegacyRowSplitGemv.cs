using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// The FP32 decode GEMV as it was before issue 17 (rows split across cores with <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>,
/// BF16 and FP16 left to libtorch), kept only so the decode benchmark can measure the current kernels against it in the
/// same run (<see cref="GemvPath.Legacy"/>, <c>PRECISION_GEMV=legacy</c>).
/// </summary>
internal static unsafe class LegacyRowSplitGemv
{
    /// <summary>Rows below which splitting costs more than it saves.</summary>
    private const long MinimumRowsToSplit = 256;

    /// <summary>Rows of one work item (a multiple of 4).</summary>
    private const long BlockRows = 128;

    /// <summary>Workers the rows are split across.</summary>
    public static int Workers
    {
        get => Options.MaxDegreeOfParallelism;
        set => Options.MaxDegreeOfParallelism = Math.Max(1, value);
    }

    private static ParallelOptions Options { get; } = new() { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) };

    /// <summary>
    /// x·Wᵀ + b when it applies (CPU, FP32, x a single contiguous row, W contiguous, no gradient wanted); otherwise null
    /// and the caller uses libtorch.
    /// </summary>
    public static Tensor? TryLinear(Tensor x, Tensor weight, Tensor? bias)
    {
        var dtype = x.dtype;
        if (dtype != ScalarType.Float32 || weight.dtype != dtype || x.device_type != DeviceType.CPU ||
            weight.device_type != DeviceType.CPU || x.shape[^1] != weight.shape[1] || x.numel() != weight.shape[1] ||
            weight.shape[0] < MinimumRowsToSplit || !x.is_contiguous() || !weight.is_contiguous() ||
            (bias is not null && (bias.dtype != dtype || !bias.is_contiguous())) ||
            (is_grad_enabled() && (x.requires_grad || weight.requires_grad)))
        {
            return null;
        }

        var rows = weight.shape[0];
        var columns = weight.shape[1];
        var shape = x.shape.ToArray();
        shape[^1] = rows;
        var result = empty(shape, dtype);
        fixed (byte* w = weight.bytes)
        fixed (byte* v = x.bytes)
        fixed (byte* y = result.bytes)
        fixed (byte* b = bias is null ? default : bias.bytes)
        {
            Split(rows, new Job((float*)w, (float*)v, (float*)y, (float*)b, columns));
        }

        return result;
    }

    // Many small row blocks taken dynamically, not one block per core: when a core is busy with something else the others
    // take its share, instead of every call waiting for the slowest core.
    private static void Split(long rows, Job job)
    {
        var blocks = (int)((rows + BlockRows - 1) / BlockRows);
        if (Workers <= 1 || blocks <= 1)
        {
            job.Run(0, rows);
        }
        else
        {
            Parallel.For(0, blocks, Options, block => job.Run(block * BlockRows, Math.Min(rows, (block + 1) * BlockRows)));
        }
    }

    /// <summary>y[r] = W[r]·x + b[r] for a range of rows, four rows at a time.</summary>
    private readonly struct Job(float* weight, float* x, float* y, float* bias, long columns)
    {
        public void Run(long first, long end)
        {
            var row = first;
            for (; row + 4 <= end; row += 4)
            {
                Dot4(row);
            }

            for (; row < end; row++)
            {
                var w = weight + (row * columns);
                var sum = 0f;
                for (long i = 0; i < columns; i++)
                {
                    sum += w[i] * x[i];
                }

                y[row] = sum + (bias == null ? 0 : bias[row]);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Dot4(long row)
        {
            var w0 = weight + (row * columns);
            var w1 = w0 + columns;
            var w2 = w1 + columns;
            var w3 = w2 + columns;
            long i = 0;
            float s0, s1, s2, s3;
            if (Vector512.IsHardwareAccelerated && columns >= 16)
            {
                var a0 = Vector512<float>.Zero;
                var a1 = Vector512<float>.Zero;
                var a2 = Vector512<float>.Zero;
                var a3 = Vector512<float>.Zero;
                for (; i + 16 <= columns; i += 16)
                {
                    var v = Vector512.Load(x + i);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + i), v, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + i), v, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + i), v, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + i), v, a3);
                }

                (s0, s1, s2, s3) = (Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3));
            }
            else
            {
                var a0 = Vector256<float>.Zero;
                var a1 = Vector256<float>.Zero;
                var a2 = Vector256<float>.Zero;
                var a3 = Vector256<float>.Zero;
                for (; i + 8 <= columns; i += 8)
                {
                    var v = Vector256.Load(x + i);
                    a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w0 + i), v, a0);
                    a1 = Vector256.FusedMultiplyAdd(Vector256.Load(w1 + i), v, a1);
                    a2 = Vector256.FusedMultiplyAdd(Vector256.Load(w2 + i), v, a2);
                    a3 = Vector256.FusedMultiplyAdd(Vector256.Load(w3 + i), v, a3);
                }

                (s0, s1, s2, s3) = (Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3));
            }

            for (; i < columns; i++)
            {
                var v = x[i];
                s0 += w0[i] * v;
                s1 += w1[i] * v;
                s2 += w2[i] * v;
                s3 += w3[i] * v;
            }

            if (bias != null)
            {
                s0 += bias[row];
                s1 += bias[row + 1];
                s2 += bias[row + 2];
                s3 += bias[row + 3];
            }

            y[row] = s0;
            y[row + 1] = s1;
            y[row + 2] = s2;
            y[row + 3] = s3;
        }
    }
}
