using System.Globalization;

namespace PrecisionAnalyzers.Runtime.Diagnostics;

/// <summary>This process's resident memory, from <c>/proc/self/status</c> on Linux (the .NET working set elsewhere).</summary>
public static class ProcessMemory
{
    /// <summary>The peak resident set size so far (VmHWM), in bytes.</summary>
    public static long PeakResidentBytes() => Read("VmHWM:") ?? Environment.WorkingSet;

    /// <summary>The resident set size now (VmRSS), in bytes.</summary>
    public static long ResidentBytes() => Read("VmRSS:") ?? Environment.WorkingSet;

    private static long? Read(string key)
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            var parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts is { Length: >= 2 } && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
