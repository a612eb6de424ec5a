using System.Diagnostics;
using System.Globalization;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;

namespace PrecisionAnalyzers.Benchmarks.Decode;

/// <summary>
/// Continuous batching on the decode benchmark's 124.7M llama-style model: aggregate decode tokens per second of N
/// sequences decoded together (<see cref="DecodeBatch"/>, one batched step for all) against one sequence decoded alone
/// (<see cref="CausalLM.Generate"/>, the one-request path with its row-split GEMV), in the same run, interleaved round by
/// round. Also checks that every batched sequence's greedy tokens equal its tokens alone.
/// </summary>
internal static class BatchedDecodeBenchmark
{
    private const string Config = """
        {"model_type":"llama","hidden_size":768,"intermediate_size":2048,"num_hidden_layers":12,"num_attention_heads":12,
         "num_key_value_heads":4,"vocab_size":32000,"max_position_embeddings":2048,"rms_norm_eps":1e-5,"tie_word_embeddings":false,
         "torch_dtype":"float32"}
        """;

    public static int Run(string[] args)
    {
        var streams = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 8;
        var newTokens = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
        const int rounds = 3;
        TorchSharpLoader.EnsureLoaded();
        using var tiny = TinyModelFactory.Random(Config);
        Console.WriteLine($"model: llama 124.7M (hidden 768, 12 layers), {streams} streams × {newTokens} greedy tokens, prompts of 16 tokens; threads {TorchSharp.torch.get_num_threads()}");
        Console.WriteLine($"load average before: {LoadAverage()}");
        var prompts = Enumerable.Range(0, streams).Select(s => Enumerable.Range(1 + 37 * s, 16).Select(id => id % 32000).ToArray()).ToArray();
        var options = new GenerationOptions { MaxNewTokens = newTokens };

        foreach (var dtype in new[] { DType.Float32, DType.BFloat16 })
        {
            using var lm = CausalLM.FromWeights(tiny.Config, tiny.WeightSource, dtype);
            var alone = new List<double>();
            var batchOfOne = new List<double>();
            var batched = new List<double>();
            var identical = true;
            for (var round = -1; round < rounds; round++)
            {
                var single = lm.Generate(prompts[0], options);
                var one = DecodeTogether(lm.Model, prompts[..1], options, out _);
                var all = DecodeTogether(lm.Model, prompts, options, out var tokens);
                if (round < 0)
                {
                    // The warm-up round checks what batching must not change: each stream's greedy tokens.
                    for (var s = 0; s < streams; s++)
                    {
                        identical &= lm.Generate(prompts[s], options).Tokens.SequenceEqual(tokens[s]);
                    }

                    continue;
                }

                alone.Add(single.DecodeTokensPerSecond);
                batchOfOne.Add(one);
                batched.Add(all);
            }

            Console.WriteLine();
            Console.WriteLine($"{Planning(dtype)}: every stream's greedy tokens equal to alone: {(identical ? "yes" : "NO")}; load average after: {LoadAverage()}");
            Console.WriteLine("| decoding | aggregate decode tok/s (median of 3; min–max) | vs one stream alone |");
            Console.WriteLine("|---|---|---|");
            Row("one stream alone (CausalLM.Generate)", alone, Median(alone));
            Row("one stream in a DecodeBatch", batchOfOne, Median(alone));
            Row($"{streams} streams in a DecodeBatch", batched, Median(alone));
        }

        return 0;
    }

    // Joins every prompt (prefill, not timed), then times the batched steps until all are done: aggregate decode tokens/s.
    private static double DecodeTogether(DecoderModel model, int[][] prompts, GenerationOptions options, out int[][] tokens)
    {
        using var batch = new DecodeBatch(model, new OverflowGuard(model.Dtype));
        var sequences = prompts.Select(p => batch.Join(p, options)).ToArray();
        var decoded = 0;
        var clock = Stopwatch.StartNew();
        while (batch.Active.Count > 0)
        {
            decoded += batch.Step().Count;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        tokens = sequences.Select(s => s.Tokens.ToArray()).ToArray();
        return decoded / seconds;
    }

    private static void Row(string name, List<double> values, double baseline) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(values):F1} ({values.Min():F1}–{values.Max():F1}) | {Median(values) / baseline:F2}× |"));

    private static string Planning(DType dtype) => PrecisionAnalyzers.Runtime.Planning.DtypeRules.Name(dtype);

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
