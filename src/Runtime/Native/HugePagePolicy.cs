namespace PrecisionAnalyzers.Runtime.Native;

/// <summary>Whether libtorch's large CPU allocations use transparent huge pages in this process, and why.</summary>
/// <param name="Enabled">True when <c>THP_MEM_ALLOC_ENABLE</c> is in effect for libtorch.</param>
/// <param name="Reason">For people: what decided it, and how to change it.</param>
public sealed record HugePageDecision(bool Enabled, string Reason);

/// <summary>
/// Decides whether libtorch should ask for 2 MiB pages (<c>THP_MEM_ALLOC_ENABLE</c>) for large CPU allocations. Where fresh
/// memory is the guest's own, they fill several times faster than 4 KiB pages (a 64 MB copy into a fresh tensor: 60 → 7 ms
/// when this VM's memory was still backed; bare metal was not measured). Under a virtio balloon
/// with free page reporting, memory a process frees goes back to the hypervisor within seconds, and a fresh huge page then
/// faults in from the host more slowly than 4 KiB pages do (loads measured 1.1–2.3× slower, docs/benchmarks.md), so there
/// they stay off. The user's own setting always wins.
/// </summary>
internal static class HugePagePolicy
{
    /// <summary>libtorch's switch (c10's CPU allocator).</summary>
    public const string LibTorchVariable = "THP_MEM_ALLOC_ENABLE";

    /// <summary>Ours: <c>0</c> or <c>1</c> overrides the decision.</summary>
    public const string OverrideVariable = "PRECISION_HUGE_PAGES";

    /// <summary>VIRTIO_BALLOON_F_REPORTING: the balloon reports free pages to the host, which reclaims them.</summary>
    internal const int FreePageReportingFeature = 5;

    public static HugePageDecision Decide(Func<string, string?> environment, string sysfsRoot = "/sys")
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(LibTorchVariable) is { } own)
        {
            return new(own.Trim() != "0", $"{LibTorchVariable}={own} set in the environment");
        }

        switch (environment(OverrideVariable)?.Trim())
        {
            case "0":
                return new(false, $"{OverrideVariable}=0");
            case "1":
                return new(true, $"{OverrideVariable}=1");
        }

        var mode = KernelMode(sysfsRoot);
        if (mode == "never")
        {
            return new(false, "the kernel's transparent huge pages are off (/sys/kernel/mm/transparent_hugepage/enabled: never)");
        }

        if (BalloonReportsFreePages(sysfsRoot))
        {
            return new(false,
                "a virtio balloon reports free pages to the hypervisor here, so fresh 2 MiB pages fault in from the host more slowly than 4 KiB pages; "
                + $"{OverrideVariable}=1 turns them on");
        }

        return new(true, $"large allocations use 2 MiB pages; {OverrideVariable}=0 turns them off");
    }

    /// <summary>The bracketed choice in <c>transparent_hugepage/enabled</c> (<c>always</c>, <c>madvise</c>, <c>never</c>), or null.</summary>
    internal static string? KernelMode(string sysfsRoot)
    {
        var text = ReadOrNull(Path.Combine(sysfsRoot, "kernel", "mm", "transparent_hugepage", "enabled"));
        if (text is null)
        {
            return null;
        }

        var open = text.IndexOf('[', StringComparison.Ordinal);
        var close = open < 0 ? -1 : text.IndexOf(']', open);
        return close > open ? text[(open + 1)..close] : null;
    }

    /// <summary>True when a virtio balloon device on this machine negotiated free page reporting.</summary>
    internal static bool BalloonReportsFreePages(string sysfsRoot)
    {
        var driver = Path.Combine(sysfsRoot, "bus", "virtio", "drivers", "virtio_balloon");
        if (!Directory.Exists(driver))
        {
            return false;
        }

        try
        {
            // The driver folder links each bound device (virtio0, …); "features" is one 0/1 character per feature bit.
            foreach (var device in Directory.EnumerateFileSystemEntries(driver, "virtio*"))
            {
                var features = ReadOrNull(Path.Combine(device, "features"))?.Trim();
                if (features is not null && features.Length > FreePageReportingFeature && features[FreePageReportingFeature] == '1')
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        return false;
    }

    private static string? ReadOrNull(string path)
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
