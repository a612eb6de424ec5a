using PrecisionAnalyzers.Runtime.Hardware;

namespace PrecisionAnalyzers.Runtime.Tests.Hardware;

public sealed class CpuAndMemoryParserTests
{
    private const string EpycGenoa = """
        processor	: 0
        vendor_id	: AuthenticAMD
        cpu family	: 25
        model name	: AMD EPYC 9B14
        flags		: fpu vme de pse tsc msr pae mce cx8 apic sep avx2 avx512f avx512dq avx512_bf16 avx512_vnni avx512_bitalg
        bugs		: sysret_ss_attrs

        processor	: 1
        model name	: AMD EPYC 9B14
        flags		: fpu vme de pse tsc msr pae mce cx8 apic sep avx2 avx512f avx512dq avx512_bf16 avx512_vnni avx512_bitalg
        """;

    private const string Skylake = """
        processor	: 0
        vendor_id	: GenuineIntel
        model name	: Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz
        flags		: fpu vme de sse sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl
        """;

    private const string SapphireRapids = """
        processor	: 0
        model name	: Intel(R) Xeon(R) Platinum 8480+
        flags		: fpu avx2 avx512f avx512_bf16 avx512_fp16 amx_bf16 amx_tile amx_int8
        """;

    private const string Graviton3 = """
        processor	: 0
        BogoMIPS	: 2100.00
        Features	: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm ssbs paca pacg dcpodp svei8mm svebf16 i8mm bf16 dgh rng
        CPU implementer	: 0x41
        CPU part	: 0xd40
        """;

    [Fact]
    public void An_EPYC_with_AVX512_BF16_has_native_BF16_but_not_FP16()
    {
        var cpu = CpuInfoParser.Parse(EpycGenoa, 2);

        Assert.Equal("AMD EPYC 9B14", cpu.Name);
        Assert.Equal(2, cpu.Cores);
        Assert.True(cpu.Bf16);
        Assert.False(cpu.Fp16);
        Assert.Equal(new[] { "avx512_bf16" }, cpu.Flags);
    }

    [Fact]
    public void A_Skylake_Xeon_has_AVX512_but_no_native_16_bit_arithmetic()
    {
        var cpu = CpuInfoParser.Parse(Skylake, 40);

        Assert.False(cpu.Bf16);
        Assert.False(cpu.Fp16);
        Assert.Empty(cpu.Flags!);
    }

    [Fact]
    public void Sapphire_Rapids_has_both_through_AMX_and_AVX512_FP16()
    {
        var cpu = CpuInfoParser.Parse(SapphireRapids, 112);

        Assert.True(cpu.Bf16);
        Assert.True(cpu.Fp16);
    }

    [Fact]
    public void An_Arm_server_reads_its_Features_line()
    {
        var cpu = CpuInfoParser.Parse(Graviton3, 64);

        Assert.Equal("unknown CPU", cpu.Name);
        Assert.True(cpu.Bf16);
        Assert.True(cpu.Fp16);
    }

    [Fact]
    public void Meminfo_gives_total_and_available_in_bytes()
    {
        const string meminfo = "MemTotal:       24676344 kB\nMemFree:        23000000 kB\nMemAvailable:   24100000 kB\nBuffers:           12345 kB\n";

        var (total, available) = MemInfoParser.Parse(meminfo);

        Assert.Equal(24676344L * 1024, total);
        Assert.Equal(24100000L * 1024, available);
    }

    [Fact]
    public void A_cgroup_limit_below_the_machine_caps_both()
    {
        const string meminfo = "MemTotal:       24676344 kB\nMemAvailable:   24100000 kB\n";

        var (total, available) = MemInfoParser.Parse(meminfo, MemInfoParser.ParseCgroupLimit("8589934592\n"));

        Assert.Equal(8589934592, total);
        Assert.Equal(8589934592, available);
        Assert.Null(MemInfoParser.ParseCgroupLimit("max\n"));
    }

    [Fact]
    public void Meminfo_without_a_total_is_refused()
    {
        Assert.Throws<FormatException>(() => MemInfoParser.Parse("MemFree: 12 kB\n"));
    }
}
