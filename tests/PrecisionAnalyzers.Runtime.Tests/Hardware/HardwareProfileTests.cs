using PrecisionAnalyzers.Runtime.Hardware;
using PrecisionAnalyzers.Runtime.Planning;

namespace PrecisionAnalyzers.Runtime.Tests.Hardware;

public sealed class HardwareProfileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("precision-hw-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> Names => new(HardwareProfiles.Named.Select(p => p.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_named_profile_round_trips_through_a_JSON_file(string name)
    {
        var profile = HardwareProfiles.Resolve(name);
        var path = Path.Combine(_folder, name + ".json");
        File.WriteAllText(path, profile.ToJson());

        var loaded = HardwareProfiles.Resolve(path);

        Assert.Equal(profile.ToJson(), loaded.ToJson());
        Assert.Equal(profile.Gpus, loaded.Gpus);
    }

    [Fact]
    public void An_unknown_name_lists_the_valid_ones()
    {
        var error = Assert.Throws<HardwareProfileException>(() => HardwareProfiles.Resolve("tpu-v5"));

        Assert.All(HardwareProfiles.Names, name => Assert.Contains(name, error.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{", "not a valid hardware profile")]
    [InlineData("""{"name":"x","memoryBytes":1}""", "cpu")]
    [InlineData("""{"name":"x","cpu":{"name":"c","cores":0,"bf16":false,"fp16":false},"memoryBytes":1}""", "'cpu.cores'")]
    [InlineData("""{"name":"x","cpu":{"name":"c","cores":2,"bf16":false,"fp16":false},"memoryBytes":1,"gpus":[{"index":0,"name":"g","computeCapability":"eight","totalMemoryBytes":10,"freeMemoryBytes":5}]}""", "'gpus[0].computeCapability'")]
    [InlineData("""{"name":"x","cpu":{"name":"c","cores":2,"bf16":false,"fp16":false},"memoryBytes":1,"gpus":[{"index":0,"name":"g","computeCapability":"8.0","totalMemoryBytes":10,"freeMemoryBytes":50}]}""", "'gpus[0].freeMemoryBytes'")]
    [InlineData("""{"name":"x","cpu":{"name":"c","cores":2,"bf16":false,"fp16":false},"memoryBytes":1,"vram":3}""", "vram")]
    public void A_malformed_profile_file_is_refused_naming_the_file_and_field(string json, string fragment)
    {
        var path = Path.Combine(_folder, "bad.json");
        File.WriteAllText(path, json);

        var error = Assert.Throws<HardwareProfileException>(() => HardwareProfiles.Resolve(path));

        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Capability_rules_for_each_named_GPU()
    {
        var pascal = PlanDevices.From(HardwareProfiles.Pascal5GB, isLocal: false)[0];
        var t4 = PlanDevices.From(HardwareProfiles.T4, isLocal: false)[0];
        var a100 = PlanDevices.From(HardwareProfiles.A100, isLocal: false)[0];
        var h100 = PlanDevices.From(HardwareProfiles.H100, isLocal: false)[0];

        Assert.False(pascal.IsUsable);
        Assert.Contains("7.5", pascal.UnusableReason, StringComparison.Ordinal);
        Assert.True(t4.IsUsable);
        Assert.False(t4.RunsBFloat16);
        Assert.True(t4.RunsFloat16);
        Assert.True(a100.RunsBFloat16);
        Assert.True(h100.RunsBFloat16);
        Assert.All([pascal, t4, a100, h100], d => Assert.False(d.IsReal));
        Assert.Equal("cpu", PlanDevices.From(HardwareProfiles.T4, isLocal: false)[^1].Name);
    }

    [Fact]
    public void A_GPU_without_a_CUDA_backend_in_this_application_is_not_usable()
    {
        var profile = HardwareProfiles.A100 with { CudaBackend = false };

        var gpu = PlanDevices.From(profile, isLocal: true)[0];

        Assert.False(gpu.IsUsable);
        Assert.Contains("CUDA backend", gpu.UnusableReason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_probe_reads_this_machine()
    {
        var local = HardwareProbe.Probe();

        Assert.Equal("local", local.Name);
        Assert.Equal(Environment.ProcessorCount, local.Cpu.Cores);
        Assert.True(local.MemoryBytes > 0);
        var flags = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("flags", StringComparison.Ordinal)).Split(' ');
        Assert.Equal(flags.Contains("avx512_bf16") || flags.Contains("amx_bf16"), local.Cpu.Bf16);
        if (!File.Exists("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1"))
        {
            Assert.Empty(local.Gpus);
            Assert.Contains(local.Notes, n => n.Contains("libnvidia-ml.so.1", StringComparison.Ordinal));
        }
    }
}
