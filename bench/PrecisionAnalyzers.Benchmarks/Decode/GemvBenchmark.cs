using System.Diagnostics;
using System.Globalization;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Benchmarks.Decode;

/// <summary>
/// One decode GEMV (x·Wᵀ, W [ROWS, COLUMNS]) per dtype, the kernels against libtorch, interleaved, on weights of a
/// trained model's scale (σ 0.02, which puts some FP16 weights in the subnormal range) and of σ 1.
/// </summary>
internal static class GemvBenchmark
{
    /// <summary>Arguments: [ROWS=2048] [COLUMNS=768] [CALLS=200] [ROUNDS=5].</summary>
    public static int Run(string[] args)
    {
        var rows = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 2048;
        var columns = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 768;
        var calls = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
        var rounds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 5;
        TorchSharpLoader.EnsureLoaded();
        using var scope = NewDisposeScope();
        var cases = new List<(string Name, Tensor X, Tensor W, GemvPath Path)>();
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float16 })
        {
            foreach (var sigma in new[] { 0.02, 1.0 })
            {
                var w = (randn([rows, columns]) * sigma).to_type(dtype);
                var x = randn([1, 1, columns]).to_type(dtype);
                cases.Add(($"{dtype} σ{sigma} kernels", x, w, GemvPath.Kernels));
                cases.Add(($"{dtype} σ{sigma} libtorch", x, w, GemvPath.Libtorch));
            }
        }

        var times = cases.Select(_ => new List<double>()).ToArray();
        var original = CpuGemv.Path;
        try
        {
            for (var round = -1; round < rounds; round++)
            {
                for (var c = 0; c < cases.Count; c++)
                {
                    CpuGemv.Path = cases[c].Path;
                    var watch = Stopwatch.StartNew();
                    for (var i = 0; i < calls; i++)
                    {
                        using var y = CpuGemv.TryLinear(cases[c].X, cases[c].W, null) ?? nn.functional.linear(cases[c].X, cases[c].W);
                    }

                    if (round >= 0)
                    {
                        times[c].Add(watch.Elapsed.TotalSeconds / calls);
                    }
                }
            }
        }
        finally
        {
            CpuGemv.Path = original;
        }

        Console.WriteLine($"W [{rows}, {columns}], threads {CpuThreads.Current}, load average {File.ReadAllText("/proc/loadavg")[..14]}");
        Console.WriteLine("| case | µs per call (median) | weight GB/s |");
        Console.WriteLine("|---|---|---|");
        for (var c = 0; c < cases.Count; c++)
        {
            var median = times[c].Order().ToArray()[times[c].Count / 2];
            var bytes = cases[c].W.numel() * cases[c].W.element_size();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {cases[c].Name} | {median * 1e6:F1} | {bytes / median / 1e9:F1} |"));
        }

        return 0;
    }
}
