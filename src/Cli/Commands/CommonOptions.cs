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

    public static Option<bool> Strict() => new("--strict") { Description = "Refuse instead of falling back when the device cannot run the requested dtype or device." };

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
