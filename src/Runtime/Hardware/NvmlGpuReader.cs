namespace PrecisionAnalyzers.Runtime.Hardware;

/// <summary>Runs the NVML call sequence (init, count, per device name/capability/memory, shutdown); never throws.</summary>
public static class NvmlGpuReader
{
    public static IReadOnlyList<GpuInfo> Read(INvmlApi nvml, ICollection<string> notes)
    {
        var gpus = new List<GpuInfo>();
        int rc;
        try
        {
            if ((rc = nvml.Init()) != 0)
            {
                notes.Add($"nvmlInit_v2 failed: {NvmlStatus.Describe(rc)}");
                return gpus;
            }
            try
            {
                if ((rc = nvml.GetDeviceCount(out var count)) != 0)
                {
                    notes.Add($"nvmlDeviceGetCount_v2 failed: {NvmlStatus.Describe(rc)}");
                    return gpus;
                }
                for (uint i = 0; i < count; i++)
                {
                    if ((rc = nvml.GetDeviceHandle(i, out var device)) != 0)
                    {
                        notes.Add($"GPU {i}: nvmlDeviceGetHandleByIndex_v2 failed: {NvmlStatus.Describe(rc)}; skipped");
                        continue;
                    }
                    if ((rc = nvml.GetCudaComputeCapability(device, out var major, out var minor)) != 0)
                    {
                        notes.Add($"GPU {i}: nvmlDeviceGetCudaComputeCapability failed: {NvmlStatus.Describe(rc)}; skipped");
                        continue;
                    }
                    if ((rc = nvml.GetMemoryInfo(device, out var total, out var free)) != 0)
                    {
                        notes.Add($"GPU {i}: nvmlDeviceGetMemoryInfo failed: {NvmlStatus.Describe(rc)}; skipped");
                        continue;
                    }
                    if ((rc = nvml.GetName(device, out var name)) != 0)
                    {
                        notes.Add($"GPU {i}: nvmlDeviceGetName failed: {NvmlStatus.Describe(rc)}");
                        name = "unknown";
                    }
                    gpus.Add(new GpuInfo((int)i, name, $"{major}.{minor}", (long)total, (long)free));
                }
            }
            finally
            {
                if ((rc = nvml.Shutdown()) != 0) notes.Add($"nvmlShutdown failed: {NvmlStatus.Describe(rc)}");
            }
        }
        catch (Exception ex)
        {
            notes.Add($"NVML call failed: {ex.GetType().Name}: {ex.Message}");
        }
        return gpus;
    }
}

/// <summary>Names of NVML status codes (nvmlReturn_t).</summary>
public static class NvmlStatus
{
    public static string Describe(int code) => code switch
    {
        0 => "NVML_SUCCESS",
        1 => "NVML_ERROR_UNINITIALIZED",
        2 => "NVML_ERROR_INVALID_ARGUMENT",
        3 => "NVML_ERROR_NOT_SUPPORTED",
        4 => "NVML_ERROR_NO_PERMISSION",
        5 => "NVML_ERROR_ALREADY_INITIALIZED",
        6 => "NVML_ERROR_NOT_FOUND",
        7 => "NVML_ERROR_INSUFFICIENT_SIZE",
        8 => "NVML_ERROR_INSUFFICIENT_POWER",
        9 => "NVML_ERROR_DRIVER_NOT_LOADED",
        10 => "NVML_ERROR_TIMEOUT",
        11 => "NVML_ERROR_IRQ_ISSUE",
        12 => "NVML_ERROR_LIBRARY_NOT_FOUND",
        13 => "NVML_ERROR_FUNCTION_NOT_FOUND",
        14 => "NVML_ERROR_CORRUPTED_INFOROM",
        15 => "NVML_ERROR_GPU_IS_LOST",
        16 => "NVML_ERROR_RESET_REQUIRED",
        17 => "NVML_ERROR_OPERATING_SYSTEM",
        18 => "NVML_ERROR_LIB_RM_VERSION_MISMATCH",
        19 => "NVML_ERROR_IN_USE",
        20 => "NVML_ERROR_MEMORY",
        21 => "NVML_ERROR_NO_DATA",
        22 => "NVML_ERROR_VGPU_ECC_NOT_ENABLED",
        23 => "NVML_ERROR_INSUFFICIENT_RESOURCES",
        24 => "NVML_ERROR_FREQ_NOT_SUPPORTED",
        25 => "NVML_ERROR_ARGUMENT_VERSION_MISMATCH",
        26 => "NVML_ERROR_DEPRECATED",
        27 => "NVML_ERROR_NOT_READY",
        28 => "NVML_ERROR_GPU_NOT_FOUND",
        29 => "NVML_ERROR_INVALID_STATE",
        999 => "NVML_ERROR_UNKNOWN",
        _ => $"NVML error {code}",
    } + $" ({code})";
}
