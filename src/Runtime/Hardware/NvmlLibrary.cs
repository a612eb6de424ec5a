using System.Runtime.InteropServices;
using System.Text;

namespace PrecisionAnalyzers.Runtime.Hardware;

/// <summary>
/// NVML bound at run time from <c>libnvidia-ml.so.1</c> (or <c>nvml.dll</c>) through unmanaged function pointers,
/// so a machine without the NVIDIA driver sees "not found" instead of a DllNotFoundException.
/// </summary>
public sealed unsafe class NvmlLibrary : INvmlApi, IDisposable
{
    private const int NameBufferSize = 96; // NVML_DEVICE_NAME_V2_BUFFER_SIZE

    [StructLayout(LayoutKind.Sequential)]
    private struct NvmlMemory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }

    private IntPtr _handle;
    private readonly delegate* unmanaged<int> _init;
    private readonly delegate* unmanaged<uint*, int> _getCount;
    private readonly delegate* unmanaged<uint, IntPtr*, int> _getHandle;
    private readonly delegate* unmanaged<IntPtr, byte*, uint, int> _getName;
    private readonly delegate* unmanaged<IntPtr, int*, int*, int> _getCc;
    private readonly delegate* unmanaged<IntPtr, NvmlMemory*, int> _getMemory;
    private readonly delegate* unmanaged<int> _shutdown;

    private NvmlLibrary(IntPtr handle)
    {
        _handle = handle;
        _init = (delegate* unmanaged<int>)NativeLibrary.GetExport(handle, "nvmlInit_v2");
        _getCount = (delegate* unmanaged<uint*, int>)NativeLibrary.GetExport(handle, "nvmlDeviceGetCount_v2");
        _getHandle = (delegate* unmanaged<uint, IntPtr*, int>)NativeLibrary.GetExport(handle, "nvmlDeviceGetHandleByIndex_v2");
        _getName = (delegate* unmanaged<IntPtr, byte*, uint, int>)NativeLibrary.GetExport(handle, "nvmlDeviceGetName");
        _getCc = (delegate* unmanaged<IntPtr, int*, int*, int>)NativeLibrary.GetExport(handle, "nvmlDeviceGetCudaComputeCapability");
        _getMemory = (delegate* unmanaged<IntPtr, NvmlMemory*, int>)NativeLibrary.GetExport(handle, "nvmlDeviceGetMemoryInfo");
        _shutdown = (delegate* unmanaged<int>)NativeLibrary.GetExport(handle, "nvmlShutdown");
    }

    /// <summary>Library names tried in order.</summary>
    public static IReadOnlyList<string> Candidates { get; } =
        OperatingSystem.IsWindows() ? new[] { "nvml.dll" } : new[] { "libnvidia-ml.so.1", "libnvidia-ml.so" };

    /// <summary>Loads NVML; returns null with a reason when the library or one of its exports is missing.</summary>
    public static NvmlLibrary? TryLoad(out string? failure, IEnumerable<string>? candidates = null)
    {
        var names = (candidates ?? Candidates).ToArray();
        foreach (var name in names)
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            try
            {
                failure = null;
                return new NvmlLibrary(handle);
            }
            catch (EntryPointNotFoundException ex)
            {
                NativeLibrary.Free(handle);
                failure = $"{name} lacks an NVML export: {ex.Message}";
                return null;
            }
        }
        failure = $"NVML library not found ({string.Join(", ", names)}): no NVIDIA driver on this machine";
        return null;
    }

    public int Init() => _init();

    public int GetDeviceCount(out uint count)
    {
        uint c = 0;
        var rc = _getCount(&c);
        count = c;
        return rc;
    }

    public int GetDeviceHandle(uint index, out IntPtr device)
    {
        IntPtr d = IntPtr.Zero;
        var rc = _getHandle(index, &d);
        device = d;
        return rc;
    }

    public int GetName(IntPtr device, out string name)
    {
        var buffer = stackalloc byte[NameBufferSize];
        var rc = _getName(device, buffer, NameBufferSize);
        name = rc == 0 ? Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(buffer)) : "";
        return rc;
    }

    public int GetCudaComputeCapability(IntPtr device, out int major, out int minor)
    {
        int ma = 0, mi = 0;
        var rc = _getCc(device, &ma, &mi);
        major = ma;
        minor = mi;
        return rc;
    }

    public int GetMemoryInfo(IntPtr device, out ulong totalBytes, out ulong freeBytes)
    {
        NvmlMemory m = default;
        var rc = _getMemory(device, &m);
        totalBytes = m.Total;
        freeBytes = m.Free;
        return rc;
    }

    public int Shutdown() => _shutdown();

    public void Dispose()
    {
        if (_handle != IntPtr.Zero)
        {
            NativeLibrary.Free(_handle);
            _handle = IntPtr.Zero;
        }
    }
}
