using PrecisionAnalyzers.Runtime.Hardware;

namespace PrecisionAnalyzers.Runtime.Tests.Hardware;

/// <summary>
/// The NVML call sequence against a fake NVML (no GPU or driver here): devices read, failures skipped with a note,
/// shutdown always called, exceptions caught. The real binding's absent-library path runs for real.
/// </summary>
public sealed class NvmlGpuReaderTests
{
    [Fact]
    public void A_missing_library_is_reported_not_thrown()
    {
        var library = NvmlLibrary.TryLoad(out var failure, ["libdoes-not-exist-nvml.so.1"]);

        Assert.Null(library);
        Assert.Contains("libdoes-not-exist-nvml.so.1", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Devices_are_read_in_order_and_NVML_is_shut_down()
    {
        var fake = new FakeNvml { Devices = { ("NVIDIA A100-SXM4-80GB", 8, 0, 80UL << 30, 70UL << 30), ("Quadro P2200", 6, 1, 5UL << 30, 4UL << 30) } };
        var notes = new List<string>();

        var gpus = NvmlGpuReader.Read(fake, notes);

        Assert.Equal(2, gpus.Count);
        Assert.Equal("6.1", gpus[1].ComputeCapability);
        Assert.Equal(61, gpus[1].Capability);
        Assert.Equal(80L << 30, gpus[0].TotalMemoryBytes);
        Assert.Equal(70L << 30, gpus[0].FreeMemoryBytes);
        Assert.Equal(1, gpus[1].Index);
        Assert.True(fake.ShutDown);
        Assert.Empty(notes);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(999)]
    public void An_init_failure_gives_no_GPUs_and_names_the_status(int code)
    {
        var notes = new List<string>();

        var gpus = NvmlGpuReader.Read(new FakeNvml { InitCode = code }, notes);

        Assert.Empty(gpus);
        Assert.Contains(notes, n => n.Contains(NvmlStatus.Describe(code), StringComparison.Ordinal));
    }

    [Fact]
    public void A_failing_device_is_skipped_and_NVML_still_shut_down()
    {
        var fake = new FakeNvml { Devices = { ("a", 8, 0, 1, 1), ("b", 9, 0, 2, 2) }, FailMemoryFor = 0 };
        var notes = new List<string>();

        var gpus = NvmlGpuReader.Read(fake, notes);

        Assert.Equal("b", Assert.Single(gpus).Name);
        Assert.Contains(notes, n => n.Contains("GPU 0", StringComparison.Ordinal) && n.Contains("NVML_ERROR_GPU_IS_LOST", StringComparison.Ordinal));
        Assert.True(fake.ShutDown);
    }

    [Fact]
    public void An_exception_inside_NVML_is_caught_and_noted()
    {
        var notes = new List<string>();

        var gpus = NvmlGpuReader.Read(new FakeNvml { Throw = true }, notes);

        Assert.Empty(gpus);
        Assert.Contains(notes, n => n.Contains("boom", StringComparison.Ordinal));
    }

    private sealed class FakeNvml : INvmlApi
    {
        public List<(string Name, int Major, int Minor, ulong Total, ulong Free)> Devices { get; } = [];

        public int InitCode { get; init; }

        public int FailMemoryFor { get; init; } = -1;

        public bool Throw { get; init; }

        public bool ShutDown { get; private set; }

        public int Init() => Throw ? throw new InvalidOperationException("boom") : InitCode;

        public int GetDeviceCount(out uint count)
        {
            count = (uint)Devices.Count;
            return 0;
        }

        public int GetDeviceHandle(uint index, out IntPtr device)
        {
            device = (IntPtr)(index + 1);
            return 0;
        }

        public int GetName(IntPtr device, out string name)
        {
            name = Devices[(int)device - 1].Name;
            return 0;
        }

        public int GetCudaComputeCapability(IntPtr device, out int major, out int minor)
        {
            (major, minor) = (Devices[(int)device - 1].Major, Devices[(int)device - 1].Minor);
            return 0;
        }

        public int GetMemoryInfo(IntPtr device, out ulong totalBytes, out ulong freeBytes)
        {
            var d = Devices[(int)device - 1];
            (totalBytes, freeBytes) = (d.Total, d.Free);
            return (int)device - 1 == FailMemoryFor ? 15 : 0;
        }

        public int Shutdown()
        {
            ShutDown = true;
            return 0;
        }
    }
}
