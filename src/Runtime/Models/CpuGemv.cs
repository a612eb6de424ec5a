using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// The matrix-vector products of a decode step (one token: x is a single row) on the CPU, for FP32, BF16 and FP16
/// weights, split by output rows across <see cref="Workers"/>. A decode step is nothing but GEMVs that each read their
/// weight once, so its speed is the memory read bandwidth; libtorch's FP32 GEMV runs on one core, and its BF16/FP16 ones
/// plus the dispatch of each small op left decode at a quarter to a third of llama.cpp (issue 17). x is widened to FP32
/// once per call, each weight row is widened as it is read (<see cref="IGemvElement"/>), sums are FP32 and each output is
/// rounded once to the compute dtype, as libtorch's reduced-precision GEMVs do. Several projections of the same input
/// (q/k/v, gate/up) go in one call, one split.
/// </summary>
internal static unsafe class CpuGemv
{
    /// <summary>Rows of one work item.</summary>
    private const long BlockRows = 64;

    /// <summary>How long a worker spins for the next call before it sleeps.</summary>
    private static readonly TimeSpan WorkerSpin = TimeSpan.FromMicroseconds(200);

    /// <summary>FP16 weights known finite (the vector widening is exact only for finite halves).</summary>
    private static readonly ConditionalWeakTable<Tensor, object> FiniteHalfWeights = new();

    private static GemvInstructionSet _instructions = GemvInstructionSets.Best;

    [ThreadStatic]
    private static float[]? _input;

    /// <summary>Which code runs decode GEMVs; <c>PRECISION_GEMV=libtorch</c> or <c>legacy</c> chooses another for comparison.</summary>
    public static GemvPath Path { get; set; } = Environment.GetEnvironmentVariable("PRECISION_GEMV")?.ToLowerInvariant() switch
    {
        "libtorch" => GemvPath.Libtorch,
        "legacy" => GemvPath.Legacy,
        _ => GemvPath.Kernels,
    };

    /// <summary>Whether the kernels are used (false: libtorch for everything).</summary>
    public static bool Enabled
    {
        get => Path == GemvPath.Kernels;
        set => Path = value ? GemvPath.Kernels : GemvPath.Libtorch;
    }

    /// <summary>The instruction set the kernels use: the best this CPU has, or a narrower one a test forces.</summary>
    public static GemvInstructionSet InstructionSet
    {
        get => _instructions;
        set => _instructions = GemvInstructionSets.AtMost(value);
    }

    /// <summary>
    /// Whether FP16 weights use the kernel (off: libtorch's FP16 GEMV measured 94.8 tok/s against the kernel's 65.5 on the
    /// benchmark llama, quiet machine, docs/benchmarks.md; tests turn it on). <c>PRECISION_GEMV_FP16=1</c> turns it on.
    /// </summary>
    public static bool Float16Kernel { get; set; } = Environment.GetEnvironmentVariable("PRECISION_GEMV_FP16") == "1";

    /// <summary>The threads rows are split across (the caller plus these).</summary>
    public static GemvWorkers Workers { get; private set; } = new(CpuThreads.Current - 1, WorkerSpin);

    /// <summary>Splits across <paramref name="threads"/> threads from now on (the caller counts as one).</summary>
    internal static void SetThreads(int threads)
    {
        threads = Math.Max(1, threads);
        LegacyRowSplitGemv.Workers = threads;
        if (Workers.Count == threads - 1)
        {
            return;
        }

        var old = Workers;
        Workers = new GemvWorkers(threads - 1, WorkerSpin);
        old.Dispose();
    }

    /// <summary>x·Wᵀ + b when the kernels apply; otherwise null and the caller uses libtorch.</summary>
    public static Tensor? TryLinear(Tensor x, Tensor weight, Tensor? bias)
    {
        if (Path == GemvPath.Legacy)
        {
            return LegacyRowSplitGemv.TryLinear(x, weight, bias);
        }

        return TryLinear(x, [(weight, bias)]) is { } outputs ? outputs[0] : null;
    }

    /// <summary>
    /// x·Wᵢᵀ + bᵢ for several weights of the same input in one split, when the kernels apply (CPU, x a single contiguous
    /// row, every weight contiguous [rows, columns] in x's dtype, FP32/BF16/FP16, FP16 weights finite, no gradient
    /// wanted); otherwise null and the caller computes each its own way.
    /// </summary>
    public static Tensor[]? TryLinear(Tensor x, ReadOnlySpan<(Tensor Weight, Tensor? Bias)> projections)
    {
        var dtype = x.dtype;
        if (Path != GemvPath.Kernels || dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16) ||
            (dtype == ScalarType.Float16 && !Float16Kernel) ||
            x.device_type != DeviceType.CPU || x.dim() == 0 || !x.is_contiguous() || x.numel() != x.shape[^1] ||
            (is_grad_enabled() && x.requires_grad))
        {
            return null;
        }

        var columns = x.shape[^1];
        foreach (var (weight, bias) in projections)
        {
            if (!Applies(weight, bias, dtype, columns))
            {
                return null;
            }
        }

        var outputs = new Tensor[projections.Length];
        var segments = new Segment[projections.Length];
        var blocks = 0;
        var shape = x.shape.ToArray();
        for (var i = 0; i < projections.Length; i++)
        {
            var (weight, bias) = projections[i];
            var rows = weight.shape[0];
            shape[^1] = rows;
            outputs[i] = empty(shape, dtype);
            segments[i] = new Segment(Address(weight), bias is null ? null : Address(bias), Address(outputs[i]), rows, blocks);
            blocks += (int)((rows + BlockRows - 1) / BlockRows);
        }

        var input = _input is { } buffer && buffer.Length >= columns ? buffer : (_input = GC.AllocateUninitializedArray<float>((int)columns, pinned: true));
        fixed (float* widened = input)
        {
            Widen(Address(x), dtype, widened, columns);
            Workers.Run(new LinearWork(segments, blocks, widened, columns, dtype, _instructions));
        }

        return outputs;
    }

    private static bool Applies(Tensor weight, Tensor? bias, ScalarType dtype, long columns)
    {
        if (weight.dtype != dtype || weight.device_type != DeviceType.CPU || weight.dim() != 2 || weight.shape[1] != columns ||
            weight.shape[0] == 0 || !weight.is_contiguous() || (is_grad_enabled() && weight.requires_grad) ||
            (bias is not null && (bias.dtype != dtype || bias.device_type != DeviceType.CPU || !bias.is_contiguous() || bias.numel() != weight.shape[0])))
        {
            return false;
        }

        return dtype != ScalarType.Float16 || IsFinite(weight);
    }

    private static bool IsFinite(Tensor weight)
    {
        if (!FiniteHalfWeights.TryGetValue(weight, out var known))
        {
            using var finite = weight.isfinite().all();
            known = finite.item<bool>();
            FiniteHalfWeights.AddOrUpdate(weight, known);
        }

        return (bool)known;
    }

    private static byte* Address(Tensor tensor) => (byte*)Unsafe.AsPointer(ref tensor.bytes.GetPinnableReference());

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Widen(byte* source, ScalarType dtype, float* target, long count)
    {
        for (long i = 0; i < count; i++)
        {
            target[i] = dtype switch
            {
                ScalarType.Float32 => ((float*)source)[i],
                ScalarType.BFloat16 => BFloat16Element.Load(source + (2 * i)),
                _ => Float16Element.Load(source + (2 * i)) * Float16Element.InputScale,
            };
        }
    }

    /// <summary>One weight of a call: its rows, bias, output and the first block index that covers it.</summary>
    private readonly struct Segment(byte* weight, byte* bias, byte* output, long rows, int firstBlock)
    {
        public byte* Weight { get; } = weight;

        public byte* Bias { get; } = bias;

        public byte* Output { get; } = output;

        public long Rows { get; } = rows;

        public int FirstBlock { get; } = firstBlock;
    }

    private sealed class LinearWork(Segment[] segments, int blocks, float* x, long columns, ScalarType dtype, GemvInstructionSet instructions)
        : GemvWork(blocks)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int block)
        {
            var s = segments.Length - 1;
            while (segments[s].FirstBlock > block)
            {
                s--;
            }

            var segment = segments[s];
            var first = (block - segment.FirstBlock) * BlockRows;
            var end = Math.Min(segment.Rows, first + BlockRows);
            var sums = stackalloc float[(int)BlockRows];
            switch (dtype)
            {
                case ScalarType.Float32:
                    GemvKernel<Float32Element>.Rows(segment.Weight, columns, x, first, end, sums, instructions);
                    break;
                case ScalarType.BFloat16:
                    GemvKernel<BFloat16Element>.Rows(segment.Weight, columns, x, first, end, sums, instructions);
                    break;
                default:
                    GemvKernel<Float16Element>.Rows(segment.Weight, columns, x, first, end, sums, instructions);
                    break;
            }

            for (var row = first; row < end; row++)
            {
                var value = sums[row - first];
                switch (dtype)
                {
                    case ScalarType.Float32:
                        ((float*)segment.Output)[row] = segment.Bias == null ? value : value + ((float*)segment.Bias)[row];
                        break;
                    case ScalarType.BFloat16:
                        value = segment.Bias == null ? value : value + BFloat16Element.Load(segment.Bias + (2 * row));
                        ((ushort*)segment.Output)[row] = BFloat16Element.FromSingle(value);
                        break;
                    default:
                        value = segment.Bias == null ? value : value + Float16Element.Load(segment.Bias + (2 * row));
                        ((Half*)segment.Output)[row] = (Half)value;
                        break;
                }
            }
        }
    }
}
