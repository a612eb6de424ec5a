using System.Diagnostics;
using System.Globalization;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Benchmarks.Quantization;

/// <summary>
/// Peak resident memory of loading the decode benchmark's ~125M model from a BF16 safetensors checkpoint, each option in
/// its own child process (VmHWM), against the bytes of the weights the loaded model holds, and against a process that only
/// initialises libtorch. Usage: quant-memory [folder for the checkpoint, default a temporary one].
/// </summary>
internal static class QuantizedLoadMemoryBenchmark
{
    private const string Config = """
        {"model_type":"llama","hidden_size":768,"intermediate_size":2048,"num_hidden_layers":12,"num_attention_heads":12,
         "num_key_value_heads":4,"vocab_size":32000,"max_position_embeddings":2048,"rms_norm_eps":1e-5,"tie_word_embeddings":false,
         "torch_dtype":"bfloat16"}
        """;

    public static int Run(string[] args)
    {
        TorchSharpLoader.EnsureLoaded();
        var folder = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "precision-quant-memory");
        if (!File.Exists(Path.Combine(folder, Checkpoint.SingleFile)))
        {
            Directory.CreateDirectory(folder);
            using var model = TinyModelFactory.Random(Config);
            using var scope = NewDisposeScope();
            var bf16 = model.Weights.ToDictionary(pair => pair.Key, pair => pair.Value.to_type(ScalarType.BFloat16));
            SafetensorsWriter.Write(Path.Combine(folder, Checkpoint.SingleFile), bf16);
            File.WriteAllText(Path.Combine(folder, "config.json"), Config);
        }

        var checkpointBytes = new FileInfo(Path.Combine(folder, Checkpoint.SingleFile)).Length;
        Console.WriteLine($"checkpoint: {checkpointBytes / 1e6:F0} MB of bfloat16 safetensors in {folder}; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine();
        Console.WriteLine("| load | weights held (MB) | peak resident (MB) | peak − libtorch-only process (MB) | that / weights held |");
        Console.WriteLine("|---|---|---|---|---|");
        var baseline = Child(folder, "baseline", "float32");
        foreach (var (quantization, dtype) in new[] { ("none", "float32"), ("none", "bfloat16"), ("int8", "float32"), ("int8", "bfloat16"), ("int4", "float32"), ("int4", "bfloat16") })
        {
            var (held, peak) = Child(folder, quantization, dtype);
            var extra = peak - baseline.Peak;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {quantization}, {dtype} | {held / 1e6:F0} | {peak / 1e6:F0} | {extra / 1e6:F0} | {(double)extra / held:F2} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"libtorch-only process: {baseline.Peak / 1e6:F0} MB peak"));
        return 0;
    }

    /// <summary>In the child: load (or only initialise libtorch for "baseline") and print held and peak bytes.</summary>
    public static int RunChild(string[] args)
    {
        TorchSharpLoader.EnsureLoaded();
        if (args[1] == "baseline")
        {
            using var probe = ones(16);
            Console.WriteLine($"0 {ProcessMemory.PeakResidentBytes()}");
            return 0;
        }

        var quantization = Enum.Parse<WeightQuantization>(args[1], ignoreCase: true);
        var dtype = args[2] == "bfloat16" ? DType.BFloat16 : DType.Float32;
        using var model = CausalLM.Load(args[0], new LoadOptions { Dtype = dtype, Device = "cpu", Quantization = quantization });
        Console.WriteLine($"{model.Model.WeightBytes} {ProcessMemory.PeakResidentBytes()}");
        return 0;
    }

    private static (long Held, long Peak) Child(string folder, string quantization, string dtype)
    {
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(QuantizedLoadMemoryBenchmark).Assembly.Location);
        }

        foreach (var argument in new[] { "quant-memory-child", folder, quantization, dtype })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim().Split('\n')[^1].Split(' ');
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the {quantization} {dtype} child failed with exit code {process.ExitCode}");
        }

        return (long.Parse(output[0], CultureInfo.InvariantCulture), long.Parse(output[1], CultureInfo.InvariantCulture));
    }
}
