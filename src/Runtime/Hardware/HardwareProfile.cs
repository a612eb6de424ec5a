using System.Text.Json;
using System.Text.Json.Serialization;

namespace PrecisionAnalyzers.Runtime.Hardware;

/// <summary>
/// A machine as the planner sees it: plain data, serialisable to JSON (camelCase), so a plan can be made for another machine
/// (<c>precision plan --hardware FILE</c>). Named profiles live in <see cref="HardwareProfiles"/>; <see cref="HardwareProbe"/> makes <c>local</c>.
/// </summary>
public sealed record HardwareProfile
{
    public required string Name { get; init; }

    public required CpuInfo Cpu { get; init; }

    /// <summary>RAM in bytes (the container's limit when lower than the machine's).</summary>
    public required long MemoryBytes { get; init; }

    /// <summary>RAM available to a new model now, or null when unknown (then <see cref="MemoryBytes"/> is used).</summary>
    public long? AvailableMemoryBytes { get; init; }

    public IReadOnlyList<GpuInfo> Gpus { get; init; } = [];

    /// <summary>Machines of this kind (each with <see cref="Gpus"/>), for plans that span nodes; 1 for one machine.</summary>
    public int Nodes { get; init; } = 1;

    /// <summary>
    /// Whether the process can run CUDA kernels through TorchSharp (a CUDA backend package and a driver). Null in named
    /// profiles, which describe a machine, not this application.
    /// </summary>
    public bool? CudaBackend { get; init; }

    /// <summary>What the probe could not read, for people.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

/// <summary>The CPU: its name, the logical cores this process may use, and its native 16-bit arithmetic.</summary>
/// <param name="Name">The model name, e.g. "AMD EPYC 9B14".</param>
/// <param name="Cores">Logical cores available to the process.</param>
/// <param name="Bf16">Native BF16 arithmetic (AVX-512 BF16 or AMX-BF16 on x86; the BF16 extension on Arm).</param>
/// <param name="Fp16">Native FP16 arithmetic (AVX-512 FP16 or AMX-FP16 on x86; FP16 SIMD on Arm).</param>
/// <param name="Flags">The flags the decision was made from (only those that matter), or null.</param>
public sealed record CpuInfo(string Name, int Cores, bool Bf16, bool Fp16, IReadOnlyList<string>? Flags = null);

/// <summary>An NVIDIA GPU.</summary>
/// <param name="Index">The CUDA device index (<c>cuda:N</c>).</param>
/// <param name="Name">e.g. "Tesla T4".</param>
/// <param name="ComputeCapability">"major.minor", e.g. "7.5".</param>
/// <param name="TotalMemoryBytes">Memory in bytes.</param>
/// <param name="FreeMemoryBytes">Free memory in bytes now (for named profiles: total less a CUDA context).</param>
public sealed record GpuInfo(int Index, string Name, string ComputeCapability, long TotalMemoryBytes, long FreeMemoryBytes)
{
    /// <summary>The compute capability as a comparable number: 7.5 → 75.</summary>
    [JsonIgnore]
    public int Capability
    {
        get
        {
            var parts = ComputeCapability.Split('.');
            return parts.Length == 2 && int.TryParse(parts[0], out var major) && int.TryParse(parts[1], out var minor) ? (major * 10) + minor : 0;
        }
    }
}
