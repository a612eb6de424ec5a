using System.Globalization;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Planning;

namespace PrecisionAnalyzers.Benchmarks.Decode;

/// <summary>
/// Decode tokens per second of a ~100M-parameter llama-style model (random weights) in FP32 and BF16 on the CPU, against the
/// memory-bandwidth roofline measured in the same run: a decode step reads every weight once (the embedding table only one
/// row), so tokens/s cannot exceed bandwidth ÷ bytes of weights read per token.
/// </summary>
internal static class DecodeBenchmark
{
    /// <summary>The ~125M llama (random weights) every decode benchmark runs, the peers included.</summary>
    internal const string Config = """
        {"model_type":"llama","hidden_size":768,"intermediate_size":2048,"num_hidden_layers":12,"num_attention_heads":12,
         "num_key_value_heads":4,"vocab_size":32000,"max_position_embeddings":2048,"rms_norm_eps":1e-5,"tie_word_embeddings":false,
         "torch_dtype":"float32"}
        """;

    public static int Run(string[] args)
    {
        var newTokens = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 64;
        const int runs = 3;
        TorchSharpLoader.EnsureLoaded();
        var copy = MemoryBandwidth.CopyBytesPerSecond();
        var read = MemoryBandwidth.ReadBytesPerSecond(TorchSharp.torch.get_num_threads());

        using var model = TinyModelFactory.Random(Config);
        var count = ParameterCounter.Count(model.Config);
        var readPerToken = count.Total - count.Embeddings + model.Config.HiddenSize; // one embedding row per token
        Console.WriteLine($"model: llama, {count.Total / 1e6:F1}M parameters, {readPerToken / 1e6:F1}M read per decoded token");
        Console.WriteLine($"bandwidth: copy {copy / 1e9:F1} GB/s, read (sum) {read / 1e9:F1} GB/s; threads {TorchSharp.torch.get_num_threads()}");
        Console.WriteLine();
        // Variants run interleaved round by round, so a busy moment of the shared machine hits them alike.
        var variants = new (string Name, DType Dtype, bool RowSplit)[]
        {
            ("float32, libtorch GEMV", DType.Float32, false),
            ("float32, row-split GEMV", DType.Float32, true),
            ("bfloat16 (libtorch GEMV)", DType.BFloat16, false),
        };
        var prompt = Enumerable.Range(1, 16).ToArray();
        var models = variants.Select(v => CausalLM.FromWeights(model.Config, model.WeightSource, v.Dtype)).ToArray();
        var decode = variants.Select(_ => new List<double>()).ToArray();
        var prefill = variants.Select(_ => new List<double>()).ToArray();
        var copies = new List<double> { copy };
        try
        {
            for (var round = -1; round < runs; round++)
            {
                for (var v = 0; v < variants.Length; v++)
                {
                    CpuGemv.Enabled = variants[v].RowSplit;
                    var result = models[v].Generate(prompt, new GenerationOptions { MaxNewTokens = round < 0 ? 4 : newTokens });
                    if (round >= 0)
                    {
                        decode[v].Add(result.DecodeTokensPerSecond);
                        prefill[v].Add(result.PrefillTokensPerSecond);
                    }
                }

                copies.Add(MemoryBandwidth.CopyBytesPerSecond());
            }
        }
        finally
        {
            CpuGemv.Enabled = true;
            foreach (var lm in models)
            {
                lm.Dispose();
            }
        }

        var bandwidth = Median(copies);
        Console.WriteLine($"copy bandwidth before and after each round: {string.Join(", ", copies.Select(c => (c / 1e9).ToString("F1", CultureInfo.InvariantCulture)))} GB/s; median {bandwidth / 1e9:F1}");
        Console.WriteLine();
        Console.WriteLine("| variant | decode tok/s (median of 3) | prefill tok/s | roofline tok/s (median copy bandwidth) | decode / roofline | vs float32 libtorch GEMV |");
        Console.WriteLine("|---|---|---|---|---|---|");
        for (var v = 0; v < variants.Length; v++)
        {
            var roofline = bandwidth / (readPerToken * MemoryEstimator.BytesPerElement(variants[v].Dtype));
            var tokens = Median(decode[v]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {variants[v].Name} | {tokens:F1} | {Median(prefill[v]):F0} | {roofline:F1} | {tokens / roofline:P0} | {tokens / Median(decode[0]):F2}× |"));
        }

        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
