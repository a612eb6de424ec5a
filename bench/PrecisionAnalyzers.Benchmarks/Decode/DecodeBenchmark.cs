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
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
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
        // Quantized variants: weights in the block format, activations in float32; "+ head" quantizes the LM head too.
        var variants = new (string Name, DType Dtype, bool RowSplit, WeightQuantization Quantization, bool Head)[]
        {
            ("float32, libtorch GEMV", DType.Float32, false, WeightQuantization.None, false),
            ("float32, row-split GEMV", DType.Float32, true, WeightQuantization.None, false),
            ("bfloat16 (libtorch GEMV)", DType.BFloat16, false, WeightQuantization.None, false),
            ("int8, head float32", DType.Float32, true, WeightQuantization.Int8, false),
            ("int8 + int8 head", DType.Float32, true, WeightQuantization.Int8, true),
            ("int4, head float32", DType.Float32, true, WeightQuantization.Int4, false),
            ("int4 + int4 head", DType.Float32, true, WeightQuantization.Int4, true),
        };
        var only = Environment.GetEnvironmentVariable("DECODE_VARIANTS") is { Length: > 0 } filter
            ? filter.Split(',').Select(int.Parse).ToHashSet()
            : null;
        if (only is not null)
        {
            variants = variants.Where((_, i) => only.Contains(i)).ToArray();
        }

        var prompt = Enumerable.Range(1, 16).ToArray();
        var models = variants.Select(v => CausalLM.FromWeights(model.Config, model.WeightSource, v.Dtype, quantization: v.Quantization, quantizeLmHead: v.Head)).ToArray();
        var decode = variants.Select(_ => new List<double>()).ToArray();
        var prefill = variants.Select(_ => new List<double>()).ToArray();
        var copies = new List<double> { copy };
        try
        {
            for (var round = -1; round < runs; round++)
            {
                for (var v = 0; v < variants.Length; v++)
                {
                    CpuGemv.Enabled = variants[v].RowSplit || variants[v].Quantization != WeightQuantization.None;
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
        var bf16 = Array.FindIndex(variants, v => v.Dtype == DType.BFloat16);
        Console.WriteLine("| variant | MB read per token | decode tok/s (median) | decode runs (min–max) | prefill tok/s | roofline tok/s (median copy bandwidth) | decode / roofline | vs first variant | vs bfloat16 |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        for (var v = 0; v < variants.Length; v++)
        {
            var bytes = BytesReadPerToken(model.Config, count, variants[v].Dtype, variants[v].Quantization, variants[v].Head);
            var roofline = bandwidth / bytes;
            var tokens = Median(decode[v]);
            var versusBf16 = bf16 < 0 ? "–" : (tokens / Median(decode[bf16])).ToString("F2", CultureInfo.InvariantCulture) + "×";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {variants[v].Name} | {bytes / 1e6:F0} | {tokens:F1} | {decode[v].Min():F1}–{decode[v].Max():F1} | {Median(prefill[v]):F0} | {roofline:F1} | {tokens / roofline:P0} | {tokens / Median(decode[0]):F2}× | {versusBf16} |"));
        }

        return 0;
    }

    /// <summary>Bytes of weights one decode step reads: everything but the embedding table, of which one row.</summary>
    private static double BytesReadPerToken(Runtime.Configuration.ModelConfig config, ParameterCount count, DType dtype, WeightQuantization quantization, bool head)
    {
        var all = MemoryEstimator.QuantizedWeightBytes(config, count.Total, dtype, quantization, head);
        var element = MemoryEstimator.BytesPerElement(dtype);
        return all - ((count.Embeddings - config.HiddenSize) * (double)element);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
