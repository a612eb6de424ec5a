using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;

namespace PrecisionAnalyzers.Benchmarks.Decode;

/// <summary>
/// Decode speed of a fresh <c>precision run</c> process (one generation per process: what a user's one-shot command gets)
/// on the decode benchmark's ~125M llama written to a folder, per dtype and per runtime setting (environment variables
/// such as <c>DOTNET_TieredCompilation=0</c>), in interleaved rounds.
/// </summary>
internal static class ColdDecodeBenchmark
{
    private const string Config = """
        {"model_type":"llama","hidden_size":768,"intermediate_size":2048,"num_hidden_layers":12,"num_attention_heads":12,
         "num_key_value_heads":4,"vocab_size":32000,"max_position_embeddings":2048,"rms_norm_eps":1e-5,"tie_word_embeddings":false,
         "torch_dtype":"float32"}
        """;

    /// <summary>
    /// Arguments: PRECISION_DLL (the built CLI, precision.dll) [ROUNDS=3] [NEW_TOKENS=64] [DTYPES=float32,bfloat16,float16]
    /// [SETTINGS=default;DOTNET_TieredCompilation=0] (settings separated by ';', variables within one by ',').
    /// </summary>
    public static int Run(string[] args)
    {
        if (args.Length == 0 || !File.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: decode-cold PATH/TO/precision.dll [ROUNDS=3] [NEW_TOKENS=64] [DTYPES] [SETTINGS]");
            return 2;
        }

        var cli = Path.GetFullPath(args[0]);
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var newTokens = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;
        var dtypes = (args.Length > 3 ? args[3] : "float32,bfloat16,float16").Split(',');
        var settings = (args.Length > 4 ? args[4] : "default;DOTNET_TieredCompilation=0").Split(';');
        var folder = Path.Combine(Path.GetTempPath(), "precision-bench-llama125m");
        if (!File.Exists(Path.Combine(folder, Checkpoint.SingleFile)))
        {
            TorchSharpLoader.EnsureLoaded();
            using var model = TinyModelFactory.Random(Config);
            AtomicFolder.Write(folder, temporary =>
            {
                File.WriteAllText(Path.Combine(temporary, "config.json"), model.ConfigJson);
                SafetensorsWriter.Write(Path.Combine(temporary, Checkpoint.SingleFile), model.Weights, new Dictionary<string, string> { ["format"] = "pt" });
            });
        }

        Console.WriteLine($"model folder {folder}; load average {LoadAverage()}");
        var prompt = string.Join(',', Enumerable.Range(1, 32));
        var variants = dtypes.SelectMany(d => settings.Select(s => (Dtype: d, Setting: s))).ToArray();
        var decode = variants.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var v = 0; v < variants.Length; v++)
            {
                decode[v].Add(RunOnce(cli, folder, prompt, newTokens, variants[v].Dtype, variants[v].Setting));
            }
        }

        Console.WriteLine($"load average after: {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine($"| dtype | setting | cold decode tok/s, median of {rounds} (min–max) |");
        Console.WriteLine("|---|---|---|");
        for (var v = 0; v < variants.Length; v++)
        {
            var sorted = decode[v].Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {variants[v].Dtype} | {variants[v].Setting} | {sorted[sorted.Length / 2]:F1} ({sorted[0]:F1}–{sorted[^1]:F1}) |"));
        }

        return 0;
    }

    private static double RunOnce(string cli, string folder, string prompt, int newTokens, string dtype, string setting)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { cli, "run", folder, "--prompt-tokens", prompt, "--max-new-tokens", newTokens.ToString(CultureInfo.InvariantCulture), "--dtype", dtype, "--json" })
        {
            start.ArgumentList.Add(argument);
        }

        if (setting != "default")
        {
            foreach (var pair in setting.Split(','))
            {
                var parts = pair.Split('=', 2);
                start.Environment[parts[0]] = parts[1];
            }
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"precision run exited with {process.ExitCode}: {stderr}");
        }

        using var json = JsonDocument.Parse(stdout);
        return json.RootElement.GetProperty("decodeTokensPerSecond").GetDouble();
    }

    private static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
