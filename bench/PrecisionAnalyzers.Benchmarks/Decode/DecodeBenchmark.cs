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
    private const string Config = """
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
        var read = MemoryBandwidth.ReadBytesPerSecond();

        using var model = TinyModelFactory.Random(Config);
        var count = ParameterCounter.Count(model.Config);
        var readPerToken = count.Total - count.Embeddings + model.Config.HiddenSize; // one embedding row per token
        Console.WriteLine($"model: llama, {count.Total / 1e6:F1}M parameters, {readPerToken / 1e6:F1}M read per decoded token");
        Console.WriteLine($"bandwidth: copy {copy / 1e9:F1} GB/s, read (sum) {read / 1e9:F1} GB/s; threads {TorchSharp.torch.get_num_threads()}");
        Console.WriteLine();
        Console.WriteLine("| dtype | decode tok/s (median of 3) | prefill tok/s | roofline tok/s (copy bandwidth) | decode / roofline |");
        Console.WriteLine("|---|---|---|---|---|");

        foreach (var dtype in new[] { DType.Float32, DType.BFloat16 })
        {
            using var lm = CausalLM.FromWeights(model.Config, model.WeightSource, dtype);
            var prompt = Enumerable.Range(1, 16).ToArray();
            lm.Generate(prompt, new GenerationOptions { MaxNewTokens = 4 });
            var results = Enumerable.Range(0, runs)
                .Select(_ => lm.Generate(prompt, new GenerationOptions { MaxNewTokens = newTokens }))
                .OrderBy(r => r.DecodeTokensPerSecond)
                .ToArray();
            var median = results[runs / 2];
            var roofline = copy / (readPerToken * MemoryEstimator.BytesPerElement(dtype));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {DtypeRules.Name(dtype)} | {median.DecodeTokensPerSecond:F1} | {median.PrefillTokensPerSecond:F0} | {roofline:F1} | {median.DecodeTokensPerSecond / roofline:P0} |"));
        }

        return 0;
    }
}
