using System.Globalization;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Planning;

namespace PrecisionAnalyzers.Benchmarks.Decode;

/// <summary>
/// The decode kernels of issue 17 against the path before them (FP32 row split on <see cref="Parallel"/>, BF16 and FP16
/// in libtorch), per dtype, on the decode benchmark's ~125M llama: interleaved rounds, decode tokens/s as medians with
/// their range, and bytes of weights read per token ÷ time against the read bandwidth measured in the same run.
/// </summary>
internal static class DecodeKernelsBenchmark
{
    private const string Config = """
        {"model_type":"llama","hidden_size":768,"intermediate_size":2048,"num_hidden_layers":12,"num_attention_heads":12,
         "num_key_value_heads":4,"vocab_size":32000,"max_position_embeddings":2048,"rms_norm_eps":1e-5,"tie_word_embeddings":false,
         "torch_dtype":"float32"}
        """;

    /// <summary>Arguments: [NEW_TOKENS=64] [ROUNDS=3] [THREADS=cores] [PATHS=legacy,kernels] [DTYPES=float32,bfloat16,float16].</summary>
    public static int Run(string[] args)
    {
        var newTokens = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 64;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        TorchSharpLoader.EnsureLoaded();
        if (args.Length > 2)
        {
            CpuThreads.Set(int.Parse(args[2], CultureInfo.InvariantCulture));
        }

        var paths = (args.Length > 3 ? args[3] : "legacy,kernels").Split(',').Select(p => Enum.Parse<GemvPath>(p, ignoreCase: true)).ToArray();
        var dtypes = (args.Length > 4 ? args[4] : "float32,bfloat16,float16").Split(',').Select(ParseDtype).ToArray();

        using var model = TinyModelFactory.Random(Config);
        var count = ParameterCounter.Count(model.Config);
        var readPerToken = count.Total - count.Embeddings + model.Config.HiddenSize;
        var load = File.ReadAllText("/proc/loadavg").Split(' ').Take(3);
        Console.WriteLine($"model: llama, {count.Total / 1e6:F1}M parameters, {readPerToken / 1e6:F1}M read per decoded token; threads {CpuThreads.Current}; load average {string.Join(" ", load)}");

        var variants = dtypes.SelectMany(d => paths.Select(p => (Dtype: d, Path: p))).ToArray();
        var models = dtypes.ToDictionary(d => d, d => CausalLM.FromWeights(model.Config, model.WeightSource, d));
        var decode = variants.Select(_ => new List<double>()).ToArray();
        var reads = new List<double> { MemoryBandwidth.ReadBytesPerSecond(CpuThreads.Current) };
        var prompt = Enumerable.Range(1, 32).ToArray();
        var original = CpuGemv.Path;
        try
        {
            for (var round = -1; round < rounds; round++)
            {
                for (var v = 0; v < variants.Length; v++)
                {
                    CpuGemv.Path = variants[v].Path;
                    var result = models[variants[v].Dtype].Generate(prompt, new GenerationOptions { MaxNewTokens = round < 0 ? 8 : newTokens });
                    if (round >= 0)
                    {
                        decode[v].Add(result.DecodeTokensPerSecond);
                    }
                }

                reads.Add(MemoryBandwidth.ReadBytesPerSecond(CpuThreads.Current));
            }
        }
        finally
        {
            CpuGemv.Path = original;
            foreach (var lm in models.Values)
            {
                lm.Dispose();
            }
        }

        var bandwidth = Median(reads);
        Console.WriteLine($"read bandwidth (sum over 1 GiB) before and after each round: {string.Join(", ", reads.Select(r => (r / 1e9).ToString("F1", CultureInfo.InvariantCulture)))} GB/s; median {bandwidth / 1e9:F1}");
        Console.WriteLine($"load average after: {string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}");
        Console.WriteLine();
        Console.WriteLine($"| dtype | path | decode tok/s, median of {rounds} (min–max) | vs legacy | weight bytes read / s | of read bandwidth |");
        Console.WriteLine("|---|---|---|---|---|---|");
        for (var v = 0; v < variants.Length; v++)
        {
            var tokens = Median(decode[v]);
            var legacy = Array.FindIndex(variants, o => o.Dtype == variants[v].Dtype && o.Path == GemvPath.Legacy);
            var ratio = legacy >= 0 ? (tokens / Median(decode[legacy])).ToString("F2", CultureInfo.InvariantCulture) + "×" : "–";
            var bytes = tokens * readPerToken * MemoryEstimator.BytesPerElement(variants[v].Dtype);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {DtypeRules.Name(variants[v].Dtype)} | {variants[v].Path.ToString().ToLowerInvariant()} | {tokens:F1} ({decode[v].Min():F1}–{decode[v].Max():F1}) | {ratio} | {bytes / 1e9:F1} GB/s | {bytes / bandwidth:P0} |"));
        }

        return 0;
    }

    private static DType ParseDtype(string name) => name switch
    {
        "float32" => DType.Float32,
        "bfloat16" => DType.BFloat16,
        "float16" => DType.Float16,
        _ => throw new ArgumentException($"unknown dtype '{name}': float32, bfloat16 or float16"),
    };

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
