using System.Diagnostics;
using System.Globalization;
using PrecisionAnalyzers.EncoderBenchmarks;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Encoders;
using TorchSharp;

// `minilm-ort`: the runtime against ONNX Runtime on all-MiniLM-L6-v2 (see MiniLMPeerBenchmark); usage:
//   dotnet run -c Release --project bench/PrecisionAnalyzers.EncoderBenchmarks -- minilm-ort [--batch 32] [--rounds 5] [--threads 2,1] [--profile]
if (args.Length > 0 && args[0] == "minilm-ort")
{
    return MiniLMPeerBenchmark.Run(args[1..]);
}

// Sentence-encoder batch latency of a BERT-base-sized encoder (random weights) in float32, bfloat16 and float16, measured
// in the same run, rounds interleaved, as ratios to float32; the planner's Auto choice for this machine is marked.
// A measurement, not a test. Usage:
//   dotnet run -c Release --project bench/PrecisionAnalyzers.EncoderBenchmarks -- [--batch 32] [--tokens 128] [--rounds 5] [--layers 12] [--hidden 768]
var batch = Option("--batch", 32);
var tokens = Option("--tokens", 128);
var rounds = Option("--rounds", 5);
var layers = Option("--layers", 12);
var hidden = Option("--hidden", 768);

var folder = Directory.CreateTempSubdirectory("precision-encoder-bench-").FullName;
try
{
    // The checkpoint declares float16, as the embedding model of failure 4 did.
    var options = new TinyEncoderOptions
    {
        HiddenSize = hidden,
        Layers = layers,
        Heads = hidden / 64,
        IntermediateSize = hidden * 4,
        MaxTokens = 512,
        VocabSize = 30522,
        MaxSeqLength = tokens,
        Dtype = DType.Float16,
        Normalize = true,
    };
    Console.WriteLine($"Writing a {layers}-layer, hidden {hidden} encoder (float16 checkpoint) to {folder} ...");
    TinyEncoderFactory.WriteFolder(folder, options);

    var words = TinyEncoderFactory.Vocabulary.Where(w => w.Length > 1 && char.IsLetter(w[0])).ToArray();
    var random = new Random(42);
    var texts = Enumerable.Range(0, batch).Select(_ => string.Join(' ', Enumerable.Range(0, tokens).Select(_ => words[random.Next(words.Length)]))).ToArray();

    var auto = SentenceEncoder.Load(folder, new LoadOptions { Dtype = DType.Auto });
    var autoDtype = auto.Dtype;
    var autoReason = string.Join("; ", auto.Plan?.Reasons ?? []);
    auto.Dispose();

    DType[] dtypes = [DType.Float32, DType.BFloat16, DType.Float16];
    var encoders = dtypes.Select(d => SentenceEncoder.Load(folder, new LoadOptions { Dtype = d })).ToArray();
    var times = dtypes.ToDictionary(d => d, _ => new List<double>());
    foreach (var encoder in encoders)
    {
        encoder.Encode(texts, batch); // warm-up
    }

    for (var round = 0; round < rounds; round++)
    {
        foreach (var encoder in encoders)
        {
            var watch = Stopwatch.StartNew();
            encoder.Encode(texts, batch);
            times[encoder.Dtype].Add(watch.Elapsed.TotalMilliseconds);
        }
    }

    foreach (var encoder in encoders)
    {
        encoder.Dispose();
    }

    Console.WriteLine($"CPU threads: {Environment.ProcessorCount}, torch threads: {torch.get_num_threads()}; batch {batch} × {tokens} tokens; {rounds} rounds after one warm-up; median of each.");
    Console.WriteLine($"Auto on this machine: {autoDtype} ({autoReason})");
    Console.WriteLine();
    Console.WriteLine("| dtype | batch latency (ms, median) | min–max (ms) | ratio to float32 | texts/s | |");
    Console.WriteLine("|---|---|---|---|---|---|");
    var baseline = Median(times[DType.Float32]);
    foreach (var dtype in dtypes)
    {
        var median = Median(times[dtype]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {dtype} | {median:F0} | {times[dtype].Min():F0}–{times[dtype].Max():F0} | {median / baseline:F2} | {batch / (median / 1000):F1} | {(dtype == autoDtype ? "← Auto" : "")} |"));
    }

    return 0;
}
finally
{
    Directory.Delete(folder, recursive: true);
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}
