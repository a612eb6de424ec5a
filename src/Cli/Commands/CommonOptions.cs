using System.CommandLine;
using PrecisionAnalyzers.Runtime;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>Options several verbs share, parsed the same way everywhere.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Write machine-readable JSON to stdout (field names are stable; see the README)." };

    public static Option<string> Dtype() => new Option<string>("--dtype")
    {
        Description = "auto (the planner chooses from the checkpoint and the device), float32, float16 or bfloat16.",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong("auto", "float32", "float16", "bfloat16");

    public static Option<string> Device() => new("--device")
    {
        Description = "auto, cpu, cuda or cuda:N.",
        DefaultValueFactory = _ => "auto",
    };

    public static Option<string> Hardware() => new("--hardware")
    {
        Description = "Plan for another machine: a named profile (cpu-only, pascal-5gb, t4-16gb, a100-80gb, h100-80gb, local) or a profile JSON file.",
        DefaultValueFactory = _ => "local",
    };

    public static Option<string> Quantize() => new Option<string>("--quantize")
    {
        Description = "Weight-only quantization of the layers' projections: none, int8, int4, or auto (only when no unquantized dtype fits the device, with a PREC112 warning). See docs/quantization.md.",
        DefaultValueFactory = _ => "none",
    }.AcceptOnlyFromAmong("none", "int8", "int4", "auto");

    public static WeightQuantization ParseQuantization(string text) => text switch
    {
        "none" => WeightQuantization.None,
        "int8" => WeightQuantization.Int8,
        "int4" => WeightQuantization.Int4,
        "auto" => WeightQuantization.Auto,
        _ => throw new BadInputException($"Unknown quantization '{text}': use none, int8, int4 or auto."),
    };

    public static Option<bool> Strict() => new("--strict") { Description = "Refuse instead of falling back when the device cannot run the requested dtype or device." };

    /// <summary>
    /// <c>--context-overflow</c>: what run and chat do when the prompt and <c>--max-new-tokens</c> pass the model's context.
    /// </summary>
    public static Option<string> ContextOverflow(string defaultValue, string defaultMeaning) => new Option<string>("--context-overflow")
    {
        Description = "When the prompt and --max-new-tokens pass the model's context: refuse (exit 2, with both numbers), stop (generate until the context is full; warning PREC110) or truncate (keep the prompt's end; warning PREC109). Default: " + defaultMeaning + ".",
        DefaultValueFactory = _ => defaultValue,
    }.AcceptOnlyFromAmong("refuse", "stop", "truncate");

    public static Runtime.Models.ContextOverflow ParseContextOverflow(string text) => text switch
    {
        "stop" => Runtime.Models.ContextOverflow.StopAtLimit,
        "truncate" => Runtime.Models.ContextOverflow.TruncatePrompt,
        _ => Runtime.Models.ContextOverflow.Refuse,
    };

    /// <summary>The most new tokens one request may ask for (a bound for models whose config declares no context).</summary>
    public const int MaxNewTokensLimit = 1 << 20;

    /// <summary>Bad input naming the flag when a generation setting is out of range (NaN and infinities included).</summary>
    public static void ValidateGeneration(int maxNewTokens, double? temperature, int? topK, double? topP)
    {
        if (maxNewTokens is < 1 or > MaxNewTokensLimit)
        {
            throw new BadInputException($"--max-new-tokens must be from 1 to {MaxNewTokensLimit} (got {maxNewTokens}).");
        }

        if (temperature is { } t && !(t >= 0 && double.IsFinite(t)))
        {
            throw new BadInputException($"--temperature must be 0 (greedy) or a finite number above 0 (got {t.ToString(System.Globalization.CultureInfo.InvariantCulture)}).");
        }

        if (topK is < 1)
        {
            throw new BadInputException($"--top-k must be at least 1 (got {topK}).");
        }

        if (topP is { } p && !(p > 0 && p <= 1))
        {
            throw new BadInputException($"--top-p must be in (0, 1] (got {p.ToString(System.Globalization.CultureInfo.InvariantCulture)}).");
        }
    }

    public static Option<int?> Threads() => new("--threads")
    {
        Description = "CPU threads for libtorch and the decode kernels (default: the cores this process may use, or PRECISION_THREADS).",
    };

    /// <summary>The --threads value, checked.</summary>
    public static int? ParseThreads(int? threads) => threads is null or >= 1
        ? threads
        : throw new BadInputException($"--threads must be at least 1 (got {threads}).");

    public static DType? ParseDtype(string text) => text switch
    {
        "auto" => DType.Auto,
        "float32" => DType.Float32,
        "float16" => DType.Float16,
        "bfloat16" => DType.BFloat16,
        _ => throw new BadInputException($"Unknown dtype '{text}': use auto, float32, float16 or bfloat16."),
    };

    public static string ValidateDevice(string text)
    {
        var device = text.Trim().ToLowerInvariant();
        if (device is "auto" or "cpu" or "cuda")
        {
            return device;
        }

        if (device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), out var index) && index >= 0)
        {
            return device;
        }

        throw new BadInputException($"Unknown device '{text}': use auto, cpu, cuda or cuda:N.");
    }
}
