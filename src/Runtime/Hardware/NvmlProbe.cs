using System.Runtime.InteropServices;
using System.Text;

namespace PrecisionAnalyzers.Runtime.Hardware;

/// <summary>
/// Lists NVIDIA GPUs through NVML (<c>libnvidia-ml.so.1</c>, installed with the driver): name, compute capability, total and
/// free memory. Loaded with <see cref="NativeLibrary.TryLoad(string, out IntPtr)"/> and called through function pointers, so a
/// machine without the driver gets an empty list and the reason, never an exception.
/// </summary>
public static unsafe class NvmlProbe
{
    private const int Success = 0;

    public static IReadOnlyList<GpuInfo> Probe(out string? problem)
    {
        var library = OperatingSystem.IsWindows() ? "nvml.dll" : "libnvidia-ml.so.1";
        if (!NativeLibrary.TryLoad(library, out var handle))
        {
            problem = $"no NVIDIA driver ({library} not found): no GPUs";
            return [];
        }

        try
        {
            if (!TryExport(handle, "nvmlInit_v2", out var init)
                || !TryExport(handle, "nvmlShutdown", out var shutdown)
                || !TryExport(handle, "nvmlDeviceGetCount_v2", out var getCount)
                || !TryExport(handle, "nvmlDeviceGetHandleByIndex_v2", out var getHandle)
                || !TryExport(handle, "nvmlDeviceGetName", out var getName)
                || !TryExport(handle, "nvmlDeviceGetCudaComputeCapability", out var getCapability)
                || !TryExport(handle, "nvmlDeviceGetMemoryInfo", out var getMemory))
            {
                problem = $"{library} lacks an NVML function this probe needs (driver too old?): no GPUs";
                return [];
            }

            var status = ((delegate* unmanaged<int>)init)();
            if (status != Success)
            {
                problem = $"NVML did not initialise (error {status}{Describe(handle, status)}): no GPUs";
                return [];
            }

            try
            {
                uint count;
                status = ((delegate* unmanaged<uint*, int>)getCount)(&count);
                if (status != Success)
                {
                    problem = $"NVML could not count devices (error {status}{Describe(handle, status)})";
                    return [];
                }

                var gpus = new List<GpuInfo>();
                var skipped = new List<string>();
                var name = stackalloc byte[96];
                for (uint i = 0; i < count; i++)
                {
                    IntPtr device;
                    int major, minor;
                    NvmlMemory memory;
                    if ((status = ((delegate* unmanaged<uint, IntPtr*, int>)getHandle)(i, &device)) != Success
                        || (status = ((delegate* unmanaged<IntPtr, byte*, uint, int>)getName)(device, name, 96)) != Success
                        || (status = ((delegate* unmanaged<IntPtr, int*, int*, int>)getCapability)(device, &major, &minor)) != Success
                        || (status = ((delegate* unmanaged<IntPtr, NvmlMemory*, int>)getMemory)(device, &memory)) != Success)
                    {
                        skipped.Add($"device {i}: error {status}{Describe(handle, status)}");
                        continue;
                    }

                    var text = Encoding.UTF8.GetString(name, new ReadOnlySpan<byte>(name, 96).IndexOf((byte)0) is var end and >= 0 ? end : 96);
                    gpus.Add(new GpuInfo((int)i, text, $"{major}.{minor}", (long)memory.Total, (long)memory.Free));
                }

                problem = skipped.Count == 0 ? null : "NVML could not read " + string.Join("; ", skipped);
                return gpus;
            }
            finally
            {
                ((delegate* unmanaged<int>)shutdown)();
            }
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    private static bool TryExport(IntPtr handle, string name, out IntPtr function) => NativeLibrary.TryGetExport(handle, name, out function);

    private static string Describe(IntPtr handle, int status)
    {
        if (!NativeLibrary.TryGetExport(handle, "nvmlErrorString", out var errorString))
        {
            return "";
        }

        var text = ((delegate* unmanaged<int, byte*>)errorString)(status);
        return text is null ? "" : ": " + Marshal.PtrToStringUTF8((IntPtr)text);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct NvmlMemory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }
}
