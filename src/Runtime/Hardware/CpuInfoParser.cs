namespace PrecisionAnalyzers.Runtime.Hardware;

/// <summary>Reads the CPU's name and native 16-bit arithmetic from the text of <c>/proc/cpuinfo</c> (x86 and Arm).</summary>
public static class CpuInfoParser
{
    // x86: AVX-512 BF16 (Cooper Lake, Zen 4+) or AMX-BF16 (Sapphire Rapids+); Arm: the BF16 extension (Armv8.6).
    private static readonly string[] Bf16Flags = ["avx512_bf16", "amx_bf16", "bf16"];

    // x86: AVX-512 FP16 or AMX-FP16 (Sapphire/Granite Rapids); Arm: half-precision SIMD arithmetic.
    private static readonly string[] Fp16Flags = ["avx512_fp16", "amx_fp16", "asimdhp"];

    public static CpuInfo Parse(string cpuinfo, int cores)
    {
        ArgumentNullException.ThrowIfNull(cpuinfo);
        string? name = null;
        var flags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in cpuinfo.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon < 0)
            {
                continue;
            }

            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name is null && key is "model name" or "Model" or "Hardware" or "cpu model" && value.Length > 0)
            {
                name = value;
            }
            else if (flags.Count == 0 && key is "flags" or "Features")
            {
                flags.UnionWith(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        var relevant = Bf16Flags.Concat(Fp16Flags).Where(flags.Contains).ToArray();
        return new CpuInfo(
            name ?? "unknown CPU",
            cores,
            Bf16: Bf16Flags.Any(flags.Contains),
            Fp16: Fp16Flags.Any(flags.Contains),
            Flags: relevant);
    }
}
