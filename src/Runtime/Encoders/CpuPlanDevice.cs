using PrecisionAnalyzers.Runtime.Planning;

namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary>
/// The CPU of this machine as a planner device, read from <c>/proc/cpuinfo</c> flags (AVX-512 BF16 / AMX for native
/// BF16, AVX-512 FP16 / AMX-FP16 for native FP16). A stand-in until the hardware probe's device list is wired into
/// <see cref="SentenceEncoder.Load(string, LoadOptions?, Microsoft.Extensions.Logging.ILogger?, CancellationToken)"/>.
/// </summary>
internal static class CpuPlanDevice
{
    public static PlanDevice Detect()
    {
        var flags = ReadFlags();
        var fastBf16 = flags.Contains("avx512_bf16") || flags.Contains("amx_bf16");
        var fastFp16 = flags.Contains("avx512_fp16") || flags.Contains("amx_fp16");
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return new PlanDevice("cpu", $"CPU ({Environment.ProcessorCount} threads{(fastBf16 ? ", native BF16" : "")})", false, memory, null, true, fastBf16, true, fastFp16, true);
    }

    private static HashSet<string> ReadFlags()
    {
        try
        {
            var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) : null;
            return line is null ? [] : line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        }
        catch (IOException)
        {
            return [];
        }
    }
}
