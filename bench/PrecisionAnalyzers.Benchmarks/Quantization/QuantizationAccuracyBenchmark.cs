using System.Globalization;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Quantization;
using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Benchmarks.Quantization;

/// <summary>
/// Accuracy of int8 and int4 weights against FP32 on one fixed token sequence per model (teacher-forced): top-1
/// agreement, mean KL divergence of the next-token distributions, and perplexity. stories260K (real weights) reads
/// tests/fixtures/quantization/heldout-story.txt; the decode benchmark's ~125M random llama reads 256 seeded random ids.
/// Usage: quant-accuracy [repository root, default: found from the working directory].
/// </summary>
internal static class QuantizationAccuracyBenchmark
{
    private const string RandomConfig = """
        {"model_type":"llama","hidden_size":768,"intermediate_size":2048,"num_hidden_layers":12,"num_attention_heads":12,
         "num_key_value_heads":4,"vocab_size":32000,"max_position_embeddings":2048,"rms_norm_eps":1e-5,"tie_word_embeddings":false,
         "torch_dtype":"float32"}
        """;

    public static int Run(string[] args)
    {
        TorchSharpLoader.EnsureLoaded();
        var root = args.Length > 0 ? args[0] : FindRoot();
        var stories = Path.Combine(root, "src", "Cli", "models", "stories260K");
        var text = File.ReadAllText(Path.Combine(root, "tests", "fixtures", "quantization", "heldout-story.txt")).Trim();
        int[] storyTokens = [1, .. CheckpointTokenizer.Load(stories).Encode(text)];

        Console.WriteLine("| model | weights | positions | top-1 agreement with float32 | mean KL (nats) | perplexity float32 → quantized |");
        Console.WriteLine("|---|---|---|---|---|---|");
        using (var checkpoint = Checkpoint.Open(stories))
        {
            var config = ModelConfig.Load(stories);
            Compare("stories260K (real)", config, checkpoint, storyTokens);
        }

        using (var random = TinyModelFactory.Random(RandomConfig))
        {
            var generator = new Random(20261203);
            var ids = Enumerable.Range(0, 256).Select(_ => generator.Next(3, (int)random.Config.VocabSize)).ToArray();
            Compare("~125M llama (random weights)", random.Config, random.WeightSource, ids);
        }

        return 0;
    }

    private static void Compare(string name, ModelConfig config, IWeightSource weights, int[] tokens)
    {
        using var reference = DecoderModel.Build(config, weights, DType.Float32);
        foreach (var (format, head) in new[] { (WeightQuantization.Int8, false), (WeightQuantization.Int8, true), (WeightQuantization.Int4, false), (WeightQuantization.Int4, true) })
        {
            using var candidate = DecoderModel.Build(config, weights, DType.Float32, quantization: format, quantizeLmHead: head);
            var accuracy = QuantizationAccuracy.Measure(reference, candidate, tokens);
            var what = $"{format.ToString().ToLowerInvariant()}{(head ? (config.TieWordEmbeddings ? " + embedding/head" : " + head") : "")}";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {what} | {accuracy.Positions} | {accuracy.Top1Agreement:P1} | {accuracy.MeanKlDivergence:E2} | {accuracy.ReferencePerplexity:F3} → {accuracy.CandidatePerplexity:F3} ({(accuracy.CandidatePerplexity / accuracy.ReferencePerplexity) - 1:+0.0%;-0.0%}) |"));
        }
    }

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(Directory.GetCurrentDirectory()); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "PrecisionAnalyzers.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException("run from inside the repository, or pass its root folder.");
    }
}
