using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PrecisionAnalyzers.Runtime.Native;
using TorchSharp;

namespace PrecisionAnalyzers.Runtime.Hardware;

/// <summary>
/// Probes this machine: CPU name and native BF16/FP16 from <c>/proc/cpuinfo</c>, RAM from <c>/proc/meminfo</c> (capped by the
/// cgroup limit), GPUs through NVML, and whether TorchSharp has a CUDA backend. Never throws: what it cannot read is said
/// in <see cref="HardwareProfile.Notes"/>.
/// </summary>
public static class HardwareProbe
{
    public static HardwareProfile Probe(ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        var notes = new List<string>();
        var cores = Environment.ProcessorCount;

        var cpu = ReadText("/proc/cpuinfo") is { } cpuinfo
            ? CpuInfoParser.Parse(cpuinfo, cores)
            : new CpuInfo(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString(), cores, Bf16: false, Fp16: false);
        if (cpu.Name == "unknown CPU" || !File.Exists("/proc/cpuinfo"))
        {
            notes.Add("CPU features not readable (/proc/cpuinfo): native BF16/FP16 assumed absent");
        }

        long total;
        long? available;
        if (ReadText("/proc/meminfo") is { } meminfo)
        {
            (total, available) = MemInfoParser.Parse(meminfo, MemInfoParser.ParseCgroupLimit(ReadText("/sys/fs/cgroup/memory.max")));
        }
        else
        {
            var info = GC.GetGCMemoryInfo();
            (total, available) = (info.TotalAvailableMemoryBytes, null);
            notes.Add("RAM read from the .NET runtime (/proc/meminfo not readable); available memory unknown");
        }

        IReadOnlyList<GpuInfo> gpus = [];
        using (var nvml = NvmlLibrary.TryLoad(out var failure))
        {
            if (nvml is null)
            {
                notes.Add(failure!);
            }
            else
            {
                gpus = NvmlGpuReader.Read(nvml, notes);
            }
        }

        bool? cuda = null;
        if (gpus.Count > 0)
        {
            try
            {
                TorchSharpLoader.EnsureLoaded(logger);
                cuda = torch.cuda.is_available();
                if (cuda == false)
                {
                    notes.Add("GPUs are present but this application's TorchSharp has no CUDA backend (reference TorchSharp-cuda-linux or libtorch-cuda-12.8-linux-x64)");
                }
            }
            catch (TorchSharpLoadException e)
            {
                cuda = false;
                notes.Add("TorchSharp did not load: " + e.Message);
            }
        }

        logger.LogDebug("Probed {Cpu}, {Cores} cores, {Memory} bytes RAM, {Gpus} GPUs.", cpu.Name, cores, total, gpus.Count);
        return new HardwareProfile
        {
            Name = "local",
            Cpu = cpu,
            MemoryBytes = total,
            AvailableMemoryBytes = available,
            Gpus = gpus,
            CudaBackend = cuda,
            Notes = notes,
        };
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
