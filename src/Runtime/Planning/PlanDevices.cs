using PrecisionAnalyzers.Runtime.Hardware;

namespace PrecisionAnalyzers.Runtime.Planning;

/// <summary>
/// Turns a hardware profile into the devices a plan may use, with the capability rules (sources in docs/planning.md):
/// BF16 GEMM needs compute capability 8.0; FP16 needs 5.3; TorchSharp 0.107's libtorch 2.10 is built for CUDA 12.8, whose
/// kernels start at compute capability 7.5, so older GPUs (Pascal, Volta's predecessors) can run nothing.
/// </summary>
public static class PlanDevices
{
    /// <summary>The lowest compute capability TorchSharp 0.107's CUDA 12.8 libtorch has kernels for.</summary>
    public const int MinimumCapability = 75;

    public const int BFloat16Capability = 80;

    public const int Float16Capability = 53;

    /// <param name="profile">The machine.</param>
    /// <param name="isLocal">True for this machine: devices are real, so dtypes can be proven on them.</param>
    public static IReadOnlyList<PlanDevice> From(HardwareProfile profile, bool isLocal)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var devices = new List<PlanDevice>();
        foreach (var gpu in profile.Gpus.OrderBy(g => g.Index))
        {
            var gb = gpu.TotalMemoryBytes / 1e9;
            devices.Add(new PlanDevice(
                Name: $"cuda:{gpu.Index}",
                Description: $"{gpu.Name}, compute {gpu.ComputeCapability}, {gb:0.0} GB",
                IsGpu: true,
                MemoryBytes: gpu.FreeMemoryBytes,
                UnusableReason: UnusableReason(gpu, profile.CudaBackend),
                RunsBFloat16: gpu.Capability >= BFloat16Capability,
                FastBFloat16: gpu.Capability >= BFloat16Capability,
                RunsFloat16: gpu.Capability >= Float16Capability,
                FastFloat16: gpu.Capability >= Float16Capability,
                IsReal: isLocal));
        }

        devices.Add(new PlanDevice(
            Name: "cpu",
            Description: $"{profile.Cpu.Name}, {profile.Cpu.Cores} cores{(profile.Cpu.Bf16 ? ", native BF16" : "")}",
            IsGpu: false,
            MemoryBytes: profile.AvailableMemoryBytes ?? profile.MemoryBytes,
            UnusableReason: null,
            RunsBFloat16: true,
            FastBFloat16: profile.Cpu.Bf16,
            RunsFloat16: true,
            FastFloat16: profile.Cpu.Fp16,
            IsReal: isLocal));
        return devices;
    }

    private static string? UnusableReason(GpuInfo gpu, bool? cudaBackend)
    {
        if (gpu.Capability < MinimumCapability)
        {
            return $"compute capability {gpu.ComputeCapability} is older than the 7.5 that TorchSharp 0.107's CUDA 12.8 libtorch has kernels for " +
                   "(PyTorch 2.8 dropped Maxwell and Pascal from CUDA 12.8 builds); no CUDA kernel can run on it. Use the CPU, or a CUDA 12.6 libtorch";
        }

        return cudaBackend == false
            ? "this application's TorchSharp has no working CUDA backend (reference TorchSharp-cuda-linux, and check the driver)"
            : null;
    }
}
