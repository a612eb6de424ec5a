using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Benchmarks.Loading;

/// <summary>
/// Loads a ~1 GB checkpoint BF16→FP32 and FP32→BF16 through <see cref="Checkpoint"/>, against a plain sequential read of the
/// same file in the same run (both from the page cache, which a warm-up read fills). Each case runs in a fresh child process,
/// so its peak resident memory (VmHWM) is its own; the peak is compared with the final model's size.
/// </summary>
internal static class LoadBenchmark
{
    private const int Runs = 5;

    public static int Run(string[] args)
    {
        var megabytes = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 1024;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : Runs;
        var cold = args.Length > 2 && args[2] == "cold";
        var settle = TimeSpan.FromSeconds(args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 0);
        var only = args.Length > 4 ? ["plain", "read", "fill", .. args[4].Split(',').Except(["plain", "read", "fill"])] : (string[]?)null;
        var root = Directory.CreateTempSubdirectory("precision-load-bench-").FullName;
        try
        {
            TorchSharpLoader.EnsureLoaded();
            var fp32 = Path.Combine(root, "fp32");
            var bf16 = Path.Combine(root, "bf16");
            Write(fp32, megabytes, ScalarType.Float32);
            Write(bf16, megabytes, ScalarType.BFloat16);
            foreach (var folder in new[] { fp32, bf16 })
            {
                Child("plain", folder, "none", cold: false); // warm the page cache
            }

            Console.WriteLine($"checkpoints of {megabytes} MB in 16 tensors, page cache {(cold ? "cold (the file evicted before every case)" : "warm")}; {rounds} rounds, each running every case once in a fresh process{(settle > TimeSpan.Zero ? $" after a pause of {settle.TotalSeconds} s" : "")}, in an order shuffled per round (seeded), so drift and the memory the previous case freed hit them alike; medians; ratios are medians of the per-round ratios");
            Console.WriteLine();
            Console.WriteLine("| case | seconds | GB/s of file | vs plain read (reused buffer) | vs plain read into memory kept | vs filling the final model's memory | final model | peak RSS | baseline RSS | (peak − baseline) / final |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
            var order = new Random(20261123);
            foreach (var (name, folder, target) in new[] { ("BF16 → FP32", bf16, "float32"), ("FP32 → BF16", fp32, "bfloat16") })
            {
                var cases = only ?? ["plain", "read", "fill", "load", "load-2m", "load-4k", "reload", "reload-cached"];
                var file = new FileInfo(Path.Combine(folder, Checkpoint.SingleFile)).Length;
                var measured = Enumerable.Range(0, rounds).Select(_ => cases.OrderBy(_ => order.Next()).ToArray().ToDictionary(c => c, c =>
                {
                    if (cold)
                    {
                        PageCache.Evict(Path.Combine(folder, Checkpoint.SingleFile));
                    }

                    Thread.Sleep(settle);
                    return Child(c, folder, c == "plain" || c == "read" ? "none" : target, cold);
                })).ToArray();
                Measurement Of(string c) => Median(measured.Select(r => r[c]));
                double Ratio(string over, string c) => MedianOf(measured.Select(r => r[over].Seconds / r[c].Seconds));
                var (plain, read, fill) = (Of("plain"), Of("read"), Of("fill"));
                var label = Path.GetFileName(folder).ToUpperInvariant();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| plain read of the {label} file into one reused 16 MB buffer | {plain.Seconds:F3} | {file / plain.Seconds / 1e9:F2} | 100 % | | | | | | |"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| plain read of the {label} file into memory it keeps | {read.Seconds:F3} | {file / read.Seconds / 1e9:F2} | | 100 % | | {read.FinalBytes / 1e9:F2} GB | {read.PeakBytes / 1e9:F2} GB | {read.BaselineBytes / 1e9:F2} GB | |"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| allocate and zero the final {target} model's memory (no reading) | {fill.Seconds:F3} | | | | 100 % | {fill.FinalBytes / 1e9:F2} GB | | | |"));
                foreach (var (c, what) in new[] { ("load", $"load {name} (huge pages {(TorchSharpLoader.EnsureLoaded().HugePages.Enabled ? "on" : "off")} by the runtime's policy)"), ("load-2m", $"load {name}, huge pages forced on (PRECISION_HUGE_PAGES=1)"), ("load-4k", $"load {name}, huge pages forced off (PRECISION_HUGE_PAGES=0)"), ("reload", $"load {name} into the model's existing tensors (Checkpoint.ReadInto)"), ("reload-cached", $"load {name} into existing tensors, ordinary stores instead of non-temporal ones") }.Where(r => cases.Contains(r.Item1)))
                {
                    var load = Of(c);
                    var memory = c.StartsWith("reload", StringComparison.Ordinal) ? " | | |" : string.Create(CultureInfo.InvariantCulture, $"{load.PeakBytes / 1e9:F2} GB | {load.BaselineBytes / 1e9:F2} GB | {(load.PeakBytes - load.BaselineBytes) / (double)load.FinalBytes:F2} |");
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {what} | {load.Seconds:F3} | {file / load.Seconds / 1e9:F2} | {Ratio("plain", c):P0} | {Ratio("read", c):P0} | {Ratio("fill", c):P0} | {load.FinalBytes / 1e9:F2} GB | {memory}"));
                }
            }

            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>In a child process: one measurement, printed as a JSON line.</summary>
    public static int RunChild(string[] args)
    {
        var (mode, folder, target) = (args[0], args[1], args[2]);
        var cold = args.Length > 3 && args[3] == "cold";
        if (mode.EndsWith("-cached", StringComparison.Ordinal))
        {
            DtypeConverter.StreamingBytes = long.MaxValue; // every destination written with ordinary stores
            mode = mode[..^"-cached".Length];
        }

        TorchSharpLoader.EnsureLoaded();
        GC.Collect();
        var baseline = ProcessMemory.ResidentBytes();
        var watch = Stopwatch.StartNew();
        long final = 0;
        var kept = new List<Tensor>();
        var type = target == "float32" ? ScalarType.Float32 : ScalarType.BFloat16;
        if (mode is "load" or "reload")
        {
            using var checkpoint = Checkpoint.Open(folder);
            foreach (var name in checkpoint.Names)
            {
                var tensor = checkpoint.Get(name, type, CPU);
                final += tensor.NumberOfElements * tensor.ElementSize;
                kept.Add(tensor);
            }

            if (mode == "reload")
            {
                // The model's memory exists now (that first load is not timed); the timed part reads the checkpoint into it
                // again, as loading a state dict into a built model does. From a cold cache the file is evicted in between.
                if (cold)
                {
                    PageCache.Evict(Path.Combine(folder, Checkpoint.SingleFile));
                }

                watch.Restart();
                foreach (var (name, tensor) in checkpoint.Names.Zip(kept))
                {
                    checkpoint.ReadInto(name, tensor);
                }
            }
        }
        else if (mode == "fill")
        {
            using var checkpoint = Checkpoint.Open(folder);
            foreach (var name in checkpoint.Names)
            {
                var tensor = empty(checkpoint.Shape(name)!, type).zero_();
                final += tensor.NumberOfElements * tensor.ElementSize;
                kept.Add(tensor);
            }
        }
        else if (mode == "read")
        {
            // A plain read that keeps what it read: the file's bytes in memory the process owns (as File.ReadAllBytes, but native).
            using var stream = new FileStream(Path.Combine(folder, Checkpoint.SingleFile), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            var bytes = empty([stream.Length], ScalarType.Byte);
            final = stream.Length;
            kept.Add(bytes);
            const long chunk = 64 << 20;
            for (long offset = 0; offset < stream.Length; offset += chunk)
            {
                var count = Math.Min(chunk, stream.Length - offset);
                using var piece = bytes.narrow(0, offset, count);
                stream.ReadExactly(piece.bytes);
            }
        }
        else if (mode == "plain")
        {
            var buffer = new byte[16 << 20];
            using var stream = new FileStream(Path.Combine(folder, Checkpoint.SingleFile), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            while (stream.Read(buffer) > 0)
            {
            }
        }
        else
        {
            throw new ArgumentException($"unknown case '{mode}'");
        }

        var seconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine(JsonSerializer.Serialize(new Measurement(seconds, final, ProcessMemory.PeakResidentBytes(), baseline)));
        foreach (var tensor in kept)
        {
            tensor.Dispose();
        }

        return 0;
    }

    private static void Write(string folder, long megabytes, ScalarType type)
    {
        Directory.CreateDirectory(folder);
        using var scope = NewDisposeScope();
        using var generator = new Generator(1234);
        var elementSize = type == ScalarType.Float32 ? 4 : 2;
        var perTensor = megabytes * 1_000_000 / 16 / elementSize;
        var tensors = Enumerable.Range(0, 16).ToDictionary(i => $"model.layers.{i}.weight", _ => randn([perTensor], generator: generator).to(type));
        SafetensorsWriter.Write(Path.Combine(folder, Checkpoint.SingleFile), tensors);
    }

    private static Measurement Child(string mode, string folder, string target, bool cold)
    {
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(LoadBenchmark).Assembly.Location);
        }

        if (mode.EndsWith("-4k", StringComparison.Ordinal) || mode.EndsWith("-2m", StringComparison.Ordinal))
        {
            start.Environment["PRECISION_HUGE_PAGES"] = mode.EndsWith("-4k", StringComparison.Ordinal) ? "0" : "1";
            mode = mode[..^3];
        }

        foreach (var argument in new[] { "load-child", mode, folder, target, cold ? "cold" : "warm" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the {mode} child failed with exit code {process.ExitCode}");
        }

        return JsonSerializer.Deserialize<Measurement>(output.Trim().Split('\n')[^1])!;
    }

    private static Measurement Median(IEnumerable<Measurement> runs)
    {
        var sorted = runs.OrderBy(r => r.Seconds).ToArray();
        return sorted[sorted.Length / 2] with { PeakBytes = sorted.Max(r => r.PeakBytes) };
    }

    private static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private sealed record Measurement(double Seconds, long FinalBytes, long PeakBytes, long BaselineBytes);
}
