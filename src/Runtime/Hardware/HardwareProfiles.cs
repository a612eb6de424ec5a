using System.Text.Json;

namespace PrecisionAnalyzers.Runtime.Hardware;

/// <summary>
/// Named machines to plan for, and <c>local</c> (this machine, probed). GPU free memory in a named profile is its total
/// less 0.5 GB for the CUDA context. Host CPUs are the ones such GPUs usually come with.
/// </summary>
public static class HardwareProfiles
{
    private const long GB = 1_000_000_000;
    private const long CudaContext = GB / 2;

    public static HardwareProfile CpuOnly { get; } = new()
    {
        Name = "cpu-only",
        Cpu = new CpuInfo("x86-64 with AVX2, no AVX-512", 8, Bf16: false, Fp16: false),
        MemoryBytes = 32 * GB,
    };

    public static HardwareProfile Pascal5GB { get; } = new()
    {
        Name = "pascal-5gb",
        Cpu = new CpuInfo("Intel Xeon W-2125 (AVX-512, no BF16)", 8, Bf16: false, Fp16: false),
        MemoryBytes = 32 * GB,
        Gpus = [Gpu(0, "Quadro P2200", "6.1", 5 * GB)],
    };

    public static HardwareProfile T4 { get; } = new()
    {
        Name = "t4-16gb",
        Cpu = new CpuInfo("Intel Xeon (Cascade Lake, AVX-512, no BF16)", 8, Bf16: false, Fp16: false),
        MemoryBytes = 52 * GB,
        Gpus = [Gpu(0, "Tesla T4", "7.5", 16 * GB)],
    };

    public static HardwareProfile A100 { get; } = new()
    {
        Name = "a100-80gb",
        Cpu = new CpuInfo("AMD EPYC 7763 (AVX2, no BF16)", 32, Bf16: false, Fp16: false),
        MemoryBytes = 256 * GB,
        Gpus = [Gpu(0, "NVIDIA A100-SXM4-80GB", "8.0", 80 * GB)],
    };

    public static HardwareProfile H100 { get; } = new()
    {
        Name = "h100-80gb",
        Cpu = new CpuInfo("Intel Xeon Platinum 8480+ (AMX-BF16, AVX-512 FP16)", 52, Bf16: true, Fp16: true),
        MemoryBytes = 512 * GB,
        Gpus = [Gpu(0, "NVIDIA H100 80GB HBM3", "9.0", 80 * GB)],
    };

    /// <summary>The named profiles (not <c>local</c>), in the order the docs list them.</summary>
    public static IReadOnlyList<HardwareProfile> Named { get; } = [CpuOnly, Pascal5GB, T4, A100, H100];

    public static IEnumerable<string> Names => Named.Select(p => p.Name).Append("local");

    /// <summary>
    /// A named profile, <c>local</c> (probed), or a profile JSON file. Throws <see cref="HardwareProfileException"/> for an
    /// unknown name (listing the valid ones) or a malformed file (naming the file and the field).
    /// </summary>
    public static HardwareProfile Resolve(string nameOrFile, Func<HardwareProfile>? probe = null)
    {
        ArgumentNullException.ThrowIfNull(nameOrFile);
        if (nameOrFile == "local")
        {
            return (probe ?? (() => HardwareProbe.Probe()))();
        }

        var named = Named.FirstOrDefault(p => p.Name == nameOrFile);
        if (named is not null)
        {
            return named;
        }

        if (Multiplied(nameOrFile) is { } multiplied)
        {
            return multiplied;
        }

        if (Inputs.InputFile.IsPresent(nameOrFile))
        {
            return Load(nameOrFile);
        }

        throw new HardwareProfileException($"Unknown hardware '{nameOrFile}': use one of {string.Join(", ", Names)} (with GPU and node counts for one-GPU profiles, e.g. 8xh100-80gb or 2x8xa100-80gb), or the path of a profile JSON file.");
    }

    /// <summary>
    /// <c>GxNAME</c> (G GPUs of a one-GPU profile in one machine, e.g. <c>8xh100-80gb</c>) or <c>NxGxNAME</c> (N such
    /// machines, e.g. <c>2x8xa100-80gb</c>); null when <paramref name="name"/> is not of that form.
    /// </summary>
    public static HardwareProfile? Multiplied(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var match = System.Text.RegularExpressions.Regex.Match(name, @"^(?:(?<nodes>[1-9][0-9]{0,2})x)?(?<gpus>[1-9][0-9]?)x(?<base>[a-z0-9-]+)$");
        if (!match.Success || Named.FirstOrDefault(p => p.Name == match.Groups["base"].Value) is not { Gpus.Count: 1 } single)
        {
            return null;
        }

        var gpus = int.Parse(match.Groups["gpus"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var nodes = match.Groups["nodes"].Success ? int.Parse(match.Groups["nodes"].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
        return single with
        {
            Name = name,
            Gpus = Enumerable.Range(0, gpus).Select(i => single.Gpus[0] with { Index = i }).ToArray(),
            Nodes = nodes,
            MemoryBytes = single.MemoryBytes * Math.Max(1, gpus / 2),
        };
    }

    /// <summary>Reads a profile JSON file (as <see cref="HardwareProfile.ToJson"/> writes it) and checks its values.</summary>
    public static HardwareProfile Load(string path)
    {
        HardwareProfile? profile;
        try
        {
            var text = Inputs.InputFile.ReadAllText(path, null, Inputs.InputFile.MaxConfigBytes, (reason, inner) => new HardwareProfileException($"{path}: {reason}", inner));
            using var document = JsonDocument.Parse(text, Inputs.JsonInput.Options);
            profile = document.Deserialize<HardwareProfile>(HardwareProfile.JsonOptions);
        }
        catch (JsonException e) when (e.Message.StartsWith("Duplicate property", StringComparison.Ordinal))
        {
            throw new HardwareProfileException($"{path}: {Inputs.JsonInput.Describe(e)}", e);
        }
        catch (JsonException e)
        {
            var where = e.Path is null ? "" : $" at {e.Path}";
            throw new HardwareProfileException($"{path}: not a valid hardware profile{where}: {e.Message}", e);
        }

        if (profile is null)
        {
            throw new HardwareProfileException($"{path}: holds null, not a hardware profile.");
        }

        Check(profile.Cpu.Cores >= 1, path, "cpu.cores", "must be at least 1");
        Check(profile.MemoryBytes > 0, path, "memoryBytes", "must be positive");
        Check(profile.Nodes >= 1, path, "nodes", "must be at least 1");
        Check(profile.AvailableMemoryBytes is null or > 0, path, "availableMemoryBytes", "must be positive");
        foreach (var gpu in profile.Gpus)
        {
            Check(gpu.Capability > 0, path, $"gpus[{gpu.Index}].computeCapability", $"must be \"major.minor\", e.g. \"8.0\" (got \"{gpu.ComputeCapability}\")");
            Check(gpu.TotalMemoryBytes > 0, path, $"gpus[{gpu.Index}].totalMemoryBytes", "must be positive");
            Check(gpu.FreeMemoryBytes >= 0 && gpu.FreeMemoryBytes <= gpu.TotalMemoryBytes, path, $"gpus[{gpu.Index}].freeMemoryBytes", "must be between 0 and totalMemoryBytes");
        }

        Check(profile.Gpus.Select(g => g.Index).Distinct().Count() == profile.Gpus.Count, path, "gpus", "has two GPUs with the same index");
        return profile;
    }

    private static void Check(bool condition, string path, string field, string message)
    {
        if (!condition)
        {
            throw new HardwareProfileException($"{path}: '{field}' {message}.");
        }
    }

    private static GpuInfo Gpu(int index, string name, string capability, long total) => new(index, name, capability, total, total - CudaContext);
}
