namespace PrecisionAnalyzers.Cli.Output;

/// <summary>The JSON of <c>precision doctor --json</c>. Field names are part of the CLI's contract.</summary>
public sealed record DoctorJson(
    string Os,
    TorchSharpJson TorchSharp,
    CpuJson Cpu,
    long MemoryBytes,
    long? AvailableMemoryBytes,
    IReadOnlyList<GpuJson> Gpus,
    IReadOnlyList<DeviceJson> Devices,
    IReadOnlyList<string> Notes);

/// <param name="Version">TorchSharp's version.</param>
/// <param name="Libtorch">The libtorch version it was built against.</param>
/// <param name="Loaded">Whether the native backend loaded.</param>
/// <param name="CompatibilityCopy">The path of the compatibility copy of libLibTorchSharp.so, or null when none was needed.</param>
/// <param name="CompatibilityCopyWritten">True when this process wrote the copy, false when it reused one.</param>
/// <param name="Error">Why it did not load, or null.</param>
/// <param name="HugePages">Whether libtorch's large CPU allocations use transparent huge pages, and why; null when it did not load.</param>
/// <param name="OpenMpWait">How libtorch's idle OpenMP workers wait, and why; null when it did not load.</param>
public sealed record TorchSharpJson(string? Version, string? Libtorch, bool Loaded, string? CompatibilityCopy, bool CompatibilityCopyWritten, string? Error, HugePagesJson? HugePages, OpenMpWaitJson? OpenMpWait);

/// <param name="Enabled">True when <c>THP_MEM_ALLOC_ENABLE</c> is in effect for libtorch.</param>
/// <param name="Reason">What decided it, and how to change it.</param>
public sealed record HugePagesJson(bool Enabled, string Reason);

/// <param name="Policy">The <c>OMP_WAIT_POLICY</c> in effect (<c>PASSIVE</c>, <c>ACTIVE</c>) or <c>default</c>.</param>
/// <param name="Reason">What decided it, and how to change it.</param>
public sealed record OpenMpWaitJson(string Policy, string Reason);

public sealed record CpuJson(string Name, int Cores, bool Bf16, bool Fp16);

public sealed record GpuJson(int Index, string Name, string ComputeCapability, long TotalMemoryBytes, long FreeMemoryBytes);

/// <param name="Name"><c>cpu</c> or <c>cuda:N</c>.</param>
/// <param name="Description">For people.</param>
/// <param name="Usable">Whether anything can run on it.</param>
/// <param name="Reason">Why not, when not usable.</param>
/// <param name="AutoDtype">The dtype <c>Auto</c> gives an FP16-safe model (e.g. llama) on it, or null when unusable.</param>
/// <param name="AutoDtypeFp16Unsafe">The dtype <c>Auto</c> gives an FP16-unsafe model (e.g. gemma) on it, or null when unusable.</param>
public sealed record DeviceJson(string Name, string Description, bool Usable, string? Reason, string? AutoDtype, string? AutoDtypeFp16Unsafe);
