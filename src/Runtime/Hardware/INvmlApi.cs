namespace PrecisionAnalyzers.Runtime.Hardware;

/// <summary>The NVML calls the probe uses; each returns an NVML status code (0 = NVML_SUCCESS).</summary>
public interface INvmlApi
{
    int Init();
    int GetDeviceCount(out uint count);
    int GetDeviceHandle(uint index, out IntPtr device);
    int GetName(IntPtr device, out string name);
    int GetCudaComputeCapability(IntPtr device, out int major, out int minor);
    int GetMemoryInfo(IntPtr device, out ulong totalBytes, out ulong freeBytes);
    int Shutdown();
}
