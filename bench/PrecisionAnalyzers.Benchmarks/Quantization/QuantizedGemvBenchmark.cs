using System.Diagnostics;
using System.Globalization;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Quantization;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Benchmarks.Quantization;

/// <summary>
/// One decode GEMV (x [1, in] · Wᵀ, W [out, in]) per format, the decode benchmark model's MLP shape by default, interleaved
/// round by round, median time per call → GB/s of weight bytes read. Usage: quant-gemv [OUT=2048] [IN=768] [ROUNDS=15] [CALLS=50].
/// </summary>
internal static class QuantizedGemvBenchmark
{
    public static int Run(string[] args)
    {
        var rows = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 2048;
        var columns = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 768;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 15;
        var calls = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 50;
        TorchSharpLoader.EnsureLoaded();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var weight = randn([rows, columns]) * 0.05;
        var x = randn([1, 1, columns]);
        var bf16Weight = weight.to_type(ScalarType.BFloat16);
        var bf16X = x.to_type(ScalarType.BFloat16);
        using var int8 = QuantizedWeight.Quantize(weight, WeightQuantization.Int8, CPU);
        using var int4 = QuantizedWeight.Quantize(weight, WeightQuantization.Int4, CPU);
        var best = QuantizedGemv.Best;
        var cases = new (string Name, double Bytes, Action Call)[]
        {
            ("float32, row-split (CpuGemv)", rows * columns * 4.0, () => (CpuGemv.TryLinear(x, weight, null) ?? F.linear(x, weight)).Dispose()),
            ("bfloat16, libtorch", rows * columns * 2.0, () => F.linear(bf16X, bf16Weight).Dispose()),
            ($"int8, {best}", int8.Bytes, () => Quantized(x, int8, best)),
            ($"int4, {best}", int4.Bytes, () => Quantized(x, int4, best)),
            ("int8, AVX2", int8.Bytes, () => Quantized(x, int8, KernelPath.Avx2)),
            ("int4, AVX2", int4.Bytes, () => Quantized(x, int4, KernelPath.Avx2)),
            ("int8, scalar", int8.Bytes, () => Quantized(x, int8, KernelPath.Scalar)),
        };
        var times = cases.Select(_ => new List<double>()).ToArray();
        for (var round = -1; round < rounds; round++)
        {
            for (var c = 0; c < cases.Length; c++)
            {
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < calls; i++)
                {
                    cases[c].Call();
                }

                if (round >= 0)
                {
                    times[c].Add(clock.Elapsed.TotalSeconds / calls);
                }
            }
        }

        QuantizedGemv.Path = best;
        Console.WriteLine($"GEMV [{rows}, {columns}], {rounds} interleaved rounds of {calls} calls, threads {CpuGemv.Workers}; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| format | weight MB | median µs per call | min–max µs | GB/s of weights | vs bfloat16 |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var bf16 = Median(times[1]);
        for (var c = 0; c < cases.Length; c++)
        {
            var median = Median(times[c]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {cases[c].Name} | {cases[c].Bytes / 1e6:F2} | {median * 1e6:F0} | {times[c].Min() * 1e6:F0}–{times[c].Max() * 1e6:F0} | {cases[c].Bytes / median / 1e9:F1} | {bf16 / median:F2}× |"));
        }

        return 0;
    }

    private static void Quantized(Tensor x, QuantizedWeight weight, KernelPath path)
    {
        QuantizedGemv.Path = path;
        weight.Linear(x, null).Dispose();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
