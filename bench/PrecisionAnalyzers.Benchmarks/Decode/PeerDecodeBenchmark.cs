using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LLama.Native;
using PrecisionAnalyzers.Benchmarks.Decode.Gguf;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Planning;
using TorchSharp;

namespace PrecisionAnalyzers.Benchmarks.Decode;

/// <summary>
/// The runtime against llama.cpp on the same weights: the ~125M llama of <see cref="DecodeBenchmark"/> (random FP32
/// weights) is written as a safetensors checkpoint and as F32, F16 and BF16 GGUF files. First a logits check (greedy tokens
/// and logits of both sides, step by step); then timed prefill and decode, the runtime's FP32/BF16/FP16 and llama.cpp's
/// F32/BF16/F16 interleaved round by round (the order flipped each round), same thread count, after a warm-up in the same
/// process; then cold runs, one generation per fresh process. Every decode figure is set against the measured read
/// bandwidth: bytes of weights read per token × tokens/s ÷ read bytes/s.
/// </summary>
internal static class PeerDecodeBenchmark
{
    private static readonly (string Name, DType Runtime, GgufTensorType Gguf)[] Dtypes =
    [
        ("FP32", DType.Float32, GgufTensorType.F32),
        ("BF16", DType.BFloat16, GgufTensorType.BF16),
        ("FP16", DType.Float16, GgufTensorType.F16),
    ];

    public static int Run(string[] args)
    {
        var threadCounts = Option(args, "--threads", "2,1").Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        var rounds = int.Parse(Option(args, "--rounds", "3"), CultureInfo.InvariantCulture);
        var promptLength = int.Parse(Option(args, "--prompt", "128"), CultureInfo.InvariantCulture);
        var newTokens = int.Parse(Option(args, "--new", "128"), CultureInfo.InvariantCulture);
        var checkSteps = int.Parse(Option(args, "--check", "64"), CultureInfo.InvariantCulture);
        var coldRuns = int.Parse(Option(args, "--cold", "1"), CultureInfo.InvariantCulture);
        var flash = Option(args, "--flash-attention", "auto") switch
        {
            "on" => true,
            "off" => false,
            _ => (bool?)null,
        };
        var folder = Option(args, "--folder", "");
        var keep = folder.Length > 0;
        folder = keep ? Directory.CreateDirectory(folder).FullName : Directory.CreateTempSubdirectory("precision-peer-decode-").FullName;

        TorchSharpLoader.EnsureLoaded();
        Console.WriteLine($"load average at start: {LoadAverage()}; {Environment.ProcessorCount} CPUs; OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "unset"}");
        using var model = TinyModelFactory.Random(DecodeBenchmark.Config);
        var count = ParameterCounter.Count(model.Config);
        var weightsPerToken = count.Total - count.Embeddings + model.Config.HiddenSize; // one embedding row per token
        Console.WriteLine($"model: llama, {count.Total / 1e6:F1}M parameters, {weightsPerToken / 1e6:F1}M weights read per decoded token");
        try
        {
            Prepare(model, folder);
            // Prompt ids avoid the GGUF's control and byte tokens (0–258), which llama.cpp treats no differently but reads oddly in logs.
            var prompt = Enumerable.Range(0, promptLength).Select(i => 300 + (i * 7919 % 30000)).ToArray();
            var results = new List<string>();
            foreach (var threads in threadCounts)
            {
                SetRuntimeThreads(threads);
                var read = MemoryBandwidth.ReadBytesPerSecond(threads);
                var copy = MemoryBandwidth.CopyBytesPerSecond();
                Console.WriteLine();
                Console.WriteLine($"## {threads} thread(s): read bandwidth {read / 1e9:F1} GB/s (vectorised sum, {threads} thread(s)), copy_ {copy / 1e9:F1} GB/s; load average {LoadAverage()}");
                var runtimes = Dtypes.Select(d => CausalLM.FromWeights(model.Config, model.WeightSource, d.Runtime)).ToArray();
                var peers = Dtypes.Select(d => new LlamaCppPeer(Gguf(folder, d.Gguf), threads, d.Gguf == GgufTensorType.F32 ? GGMLType.GGML_TYPE_F32 : GGMLType.GGML_TYPE_F16, flash)).ToArray();
                try
                {
                    if (threads == threadCounts[0] && checkSteps > 0)
                    {
                        Check(runtimes, folder, threads, prompt[..Math.Min(32, prompt.Length)], checkSteps);
                    }

                    if (rounds > 0)
                    {
                        Time(runtimes, peers, prompt, newTokens, rounds, threads, read, weightsPerToken);
                    }
                }
                finally
                {
                    foreach (var lm in runtimes)
                    {
                        lm.Dispose();
                    }

                    foreach (var peer in peers)
                    {
                        peer.Dispose();
                    }
                }

                if (coldRuns > 0)
                {
                    Cold(folder, threads, promptLength, newTokens, coldRuns);
                }
            }

            Console.WriteLine();
            Console.WriteLine($"load average at end: {LoadAverage()}");
            return 0;
        }
        finally
        {
            SetRuntimeThreads(Environment.ProcessorCount);
            if (!keep)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>In a child process: load one side, one generation, print it as a JSON line (the cold measurement).</summary>
    public static int RunColdChild(string[] args)
    {
        var (side, dtypeName, threads, folder) = (args[0], args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[3]);
        var promptLength = int.Parse(args[4], CultureInfo.InvariantCulture);
        var newTokens = int.Parse(args[5], CultureInfo.InvariantCulture);
        var dtype = Dtypes.Single(d => d.Name == dtypeName);
        var prompt = Enumerable.Range(0, promptLength).Select(i => 300 + (i * 7919 % 30000)).ToArray();
        TimedGeneration run;
        if (side == "runtime")
        {
            TorchSharpLoader.EnsureLoaded();
            SetRuntimeThreads(threads);
            using var lm = CausalLM.Load(Path.Combine(folder, "checkpoint"), new LoadOptions { Dtype = dtype.Runtime });
            run = RunRuntime(lm, prompt, newTokens, captureLogits: false);
        }
        else
        {
            using var peer = new LlamaCppPeer(Gguf(folder, dtype.Gguf), threads, dtype.Gguf == GgufTensorType.F32 ? GGMLType.GGML_TYPE_F32 : GGMLType.GGML_TYPE_F16);
            run = peer.Generate(prompt, newTokens + 1);
        }

        Console.WriteLine(JsonSerializer.Serialize(new[] { run.PrefillTokensPerSecond, run.DecodeTokensPerSecond }));
        return 0;
    }

    private static void Prepare(TinyModel model, string folder)
    {
        var checkpoint = Path.Combine(folder, "checkpoint");
        if (!File.Exists(Path.Combine(checkpoint, Checkpoint.SingleFile)))
        {
            Directory.CreateDirectory(checkpoint);
            File.WriteAllText(Path.Combine(checkpoint, "config.json"), model.ConfigJson);
            SafetensorsWriter.Write(Path.Combine(checkpoint, Checkpoint.SingleFile), model.Weights);
        }

        foreach (var (_, _, type) in Dtypes)
        {
            var path = Gguf(folder, type);
            if (!File.Exists(path))
            {
                var watch = Stopwatch.StartNew();
                LlamaGgufExporter.Write(model, type, path);
                Console.WriteLine($"wrote {Path.GetFileName(path)} ({new FileInfo(path).Length / 1e6:F0} MB) in {watch.Elapsed.TotalSeconds:F1} s");
            }
        }
    }

    private static string Gguf(string folder, GgufTensorType type) => Path.Combine(folder, $"model-{type}.gguf");

    // Greedy tokens of both sides for `steps` steps from the same prompt: the first step where they part, and the largest
    // logit difference over the steps where the inputs were still the same (the logits' scale is printed beside it).
    // llama.cpp runs here with an F32 KV cache and without flash attention, whose CPU kernel rounds to F16 on the way
    // (with it, FP32 logits differ by ~5e-3 instead of ~5e-6); the timed rounds keep llama.cpp's default (auto).
    private static void Check(CausalLM[] runtimes, string folder, int threads, int[] prompt, int steps)
    {
        Console.WriteLine();
        Console.WriteLine($"### Logits check: {prompt.Length}-token prompt, {steps} greedy steps, runtime vs llama.cpp on the same weights (llama.cpp: F32 KV cache, flash attention off)");
        Console.WriteLine("| dtype | identical greedy tokens | max |logit diff| (over identical steps) | max |logit| |");
        Console.WriteLine("|---|---|---|---|");
        for (var d = 0; d < Dtypes.Length; d++)
        {
            var ours = RunRuntime(runtimes[d], prompt, steps, captureLogits: true);
            TimedGeneration theirs;
            using (var peer = new LlamaCppPeer(Gguf(folder, Dtypes[d].Gguf), threads, GGMLType.GGML_TYPE_F32, flashAttention: false))
            {
                theirs = peer.Generate(prompt, steps, captureLogits: true);
            }

            var same = 0;
            while (same < steps && ours.Tokens[same] == theirs.Tokens[same])
            {
                same++;
            }

            var maxDiff = 0.0;
            var maxAbs = 0.0;
            for (var s = 0; s < Math.Min(same + 1, steps); s++)
            {
                var a = ours.Logits![s];
                var b = theirs.Logits![s];
                for (var i = 0; i < a.Length; i++)
                {
                    maxDiff = Math.Max(maxDiff, Math.Abs(a[i] - b[i]));
                    maxAbs = Math.Max(maxAbs, Math.Abs(a[i]));
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Dtypes[d].Name} | {same}/{steps}{(same < steps ? $" (first difference at step {same})" : "")} | {maxDiff:G3} | {maxAbs:F2} |"));
        }
    }

    private static void Time(CausalLM[] runtimes, LlamaCppPeer[] peers, int[] prompt, int newTokens, int rounds, int threads, double read, long weightsPerToken)
    {
        var sides = Dtypes.Length * 2;
        var prefill = Enumerable.Range(0, sides).Select(_ => new Samples()).ToArray();
        var decode = Enumerable.Range(0, sides).Select(_ => new Samples()).ToArray();
        TimedGeneration Generate(int side, int tokens) => side % 2 == 0
            ? RunRuntime(runtimes[side / 2], prompt, tokens, captureLogits: false)
            : peers[side / 2].Generate(prompt, tokens);

        for (var side = 0; side < sides; side++)
        {
            Generate(side, 8); // warm-up: JIT, allocations, page faults of both sides
        }

        var loads = new List<string>();
        for (var round = 0; round < rounds; round++)
        {
            loads.Add(LoadAverage());
            var order = Enumerable.Range(0, sides);
            foreach (var side in round % 2 == 0 ? order : order.Reverse())
            {
                var run = Generate(side, newTokens + 1); // the prompt's forward yields the first token, then newTokens decode steps
                prefill[side].Add(run.PrefillTokensPerSecond);
                decode[side].Add(run.DecodeTokensPerSecond);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"### Warm, {threads} thread(s): {prompt.Length}-token prefill, {newTokens} decode steps, {rounds} interleaved rounds after a warm-up (load average per round: {string.Join("; ", loads)})");
        Console.WriteLine("| dtype | runtime decode tok/s (min–max) | llama.cpp decode tok/s (min–max) | decode ratio runtime/llama.cpp | runtime prefill tok/s (min–max) | llama.cpp prefill tok/s (min–max) | prefill ratio | runtime % of read bandwidth | llama.cpp % of read bandwidth |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        for (var d = 0; d < Dtypes.Length; d++)
        {
            var (ours, theirs) = (2 * d, 2 * d + 1);
            var bytesPerToken = weightsPerToken * (double)MemoryEstimator.BytesPerElement(Dtypes[d].Runtime);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Dtypes[d].Name} | {decode[ours].Median:F1} ({decode[ours].Spread("F1")}) | {decode[theirs].Median:F1} ({decode[theirs].Spread("F1")}) | {decode[ours].Median / decode[theirs].Median:F2}× " +
                $"| {prefill[ours].Median:F0} ({prefill[ours].Spread("F0")}) | {prefill[theirs].Median:F0} ({prefill[theirs].Spread("F0")}) | {prefill[ours].Median / prefill[theirs].Median:F2}× " +
                $"| {bytesPerToken * decode[ours].Median / read:P0} | {bytesPerToken * decode[theirs].Median / read:P0} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(roofline at {read / 1e9:F1} GB/s read: FP32 {read / (weightsPerToken * 4.0):F0} tok/s, BF16/FP16 {read / (weightsPerToken * 2.0):F0} tok/s)"));
    }

    private static void Cold(string folder, int threads, int promptLength, int newTokens, int runs)
    {
        Console.WriteLine();
        Console.WriteLine($"### Cold, {threads} thread(s): one generation per fresh process ({runs} per side and dtype, sides alternating), load average {LoadAverage()}");
        Console.WriteLine("| dtype | runtime cold decode tok/s | llama.cpp cold decode tok/s | ratio | runtime cold prefill tok/s | llama.cpp cold prefill tok/s | ratio |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var dtype in Dtypes)
        {
            var samples = new[] { new Samples(), new Samples(), new Samples(), new Samples() };
            for (var run = 0; run < runs; run++)
            {
                for (var s = 0; s < 2; s++)
                {
                    var side = s == 0 ? "runtime" : "llama.cpp";
                    var result = Child(side, dtype.Name, threads, folder, promptLength, newTokens);
                    samples[2 * s].Add(result[0]);
                    samples[2 * s + 1].Add(result[1]);
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {dtype.Name} | {samples[1].Median:F1} | {samples[3].Median:F1} | {samples[1].Median / samples[3].Median:F2}× | {samples[0].Median:F0} | {samples[2].Median:F0} | {samples[0].Median / samples[2].Median:F2}× |"));
        }
    }

    private static double[] Child(string side, string dtype, int threads, string folder, int promptLength, int newTokens)
    {
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(PeerDecodeBenchmark).Assembly.Location);
        }

        foreach (var argument in new[] { "decode-peers-cold", side, dtype, threads.ToString(CultureInfo.InvariantCulture), folder, promptLength.ToString(CultureInfo.InvariantCulture), newTokens.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the cold {side} {dtype} child failed with exit code {process.ExitCode}");
        }

        return JsonSerializer.Deserialize<double[]>(output.Trim().Split('\n')[^1])!;
    }

    private static TimedGeneration RunRuntime(CausalLM lm, int[] prompt, int newTokens, bool captureLogits)
    {
        var result = lm.Generate(prompt, new GenerationOptions { MaxNewTokens = newTokens, CaptureLogits = captureLogits });
        return new TimedGeneration(result.Tokens, prompt.Length, result.PrefillTime, result.DecodeTime, result.Logits);
    }

    // One thread count for everything the runtime runs: libtorch's intra-op pool and the GEMV kernels' workers.
    private static void SetRuntimeThreads(int threads) => CpuThreads.Set(threads);

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}
