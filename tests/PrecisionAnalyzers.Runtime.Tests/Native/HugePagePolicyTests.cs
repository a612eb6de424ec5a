using PrecisionAnalyzers.Runtime.Native;

namespace PrecisionAnalyzers.Runtime.Tests.Native;

/// <summary>The huge-page decision against sysfs trees laid out as Linux lays them out, and the environment.</summary>
public sealed class HugePagePolicyTests : IDisposable
{
    private const string ReportingOn = "0110010100000000000000000000000010000000000000000000000000000000";
    private const string ReportingOff = "0110000100000000000000000000000010000000000000000000000000000000";

    private readonly string _sysfs = Directory.CreateTempSubdirectory("precision-sysfs-").FullName;

    public void Dispose() => Directory.Delete(_sysfs, recursive: true);

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private void KernelMode(string enabled)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_sysfs, "kernel", "mm", "transparent_hugepage")).FullName;
        File.WriteAllText(Path.Combine(folder, "enabled"), enabled + "\n");
    }

    // As in sysfs: the driver folder holds a link per bound device, pointing at the device's own folder.
    private void Balloon(string features)
    {
        var device = Directory.CreateDirectory(Path.Combine(_sysfs, "devices", "pci0000:00", "virtio0")).FullName;
        File.WriteAllText(Path.Combine(device, "features"), features + "\n");
        var driver = Directory.CreateDirectory(Path.Combine(_sysfs, "bus", "virtio", "drivers", "virtio_balloon")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(driver, "virtio0"), device);
        File.WriteAllText(Path.Combine(driver, "bind"), "");
    }

    [Fact]
    public void Huge_pages_are_on_where_nothing_speaks_against_them()
    {
        KernelMode("always [madvise] never");

        var decision = HugePagePolicy.Decide(Environment(), _sysfs);

        Assert.True(decision.Enabled);
        Assert.Contains("PRECISION_HUGE_PAGES=0", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_balloon_that_reports_free_pages_turns_them_off_and_the_reason_says_how_to_turn_them_on()
    {
        KernelMode("always [madvise] never");
        Balloon(ReportingOn);

        var decision = HugePagePolicy.Decide(Environment(), _sysfs);

        Assert.False(decision.Enabled);
        Assert.Contains("balloon", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("PRECISION_HUGE_PAGES=1", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_balloon_without_free_page_reporting_does_not()
    {
        KernelMode("[always] madvise never");
        Balloon(ReportingOff);

        Assert.True(HugePagePolicy.Decide(Environment(), _sysfs).Enabled);
    }

    [Fact]
    public void A_kernel_with_huge_pages_off_gets_none()
    {
        KernelMode("always madvise [never]");

        var decision = HugePagePolicy.Decide(Environment(), _sysfs);

        Assert.False(decision.Enabled);
        Assert.Contains("never", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("THP_MEM_ALLOC_ENABLE", "1", true)]
    [InlineData("THP_MEM_ALLOC_ENABLE", "0", false)]
    [InlineData("PRECISION_HUGE_PAGES", "1", true)]
    [InlineData("PRECISION_HUGE_PAGES", "0", false)]
    public void The_users_setting_wins_over_the_machine(string variable, string value, bool enabled)
    {
        KernelMode("always [madvise] never");
        Balloon(enabled ? ReportingOn : ReportingOff); // the machine would decide the other way

        var decision = HugePagePolicy.Decide(Environment((variable, value)), _sysfs);

        Assert.Equal(enabled, decision.Enabled);
        Assert.Contains($"{variable}={value}", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Libtorchs_own_variable_wins_over_ours()
    {
        var decision = HugePagePolicy.Decide(Environment(("THP_MEM_ALLOC_ENABLE", "1"), ("PRECISION_HUGE_PAGES", "0")), _sysfs);

        Assert.True(decision.Enabled);
    }

    [Fact]
    public void An_empty_or_unreadable_sysfs_leaves_them_on()
    {
        Assert.True(HugePagePolicy.Decide(Environment(), _sysfs).Enabled);
        Assert.Null(HugePagePolicy.KernelMode(_sysfs));
        Assert.False(HugePagePolicy.BalloonReportsFreePages(Path.Combine(_sysfs, "missing")));
    }
}
