using System.Globalization;

namespace PrecisionAnalyzers.Runtime.Hardware;

/// <summary>Reads total and available RAM from the text of <c>/proc/meminfo</c>, capped by a cgroup memory limit.</summary>
public static class MemInfoParser
{
    public static (long Total, long? Available) Parse(string meminfo, long? cgroupLimit = null)
    {
        ArgumentNullException.ThrowIfNull(meminfo);
        long? total = null;
        long? available = null;
        foreach (var line in meminfo.Split('\n'))
        {
            var parts = line.Split([' ', ':'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                var bytes = parts.Length >= 3 && parts[2] == "kB" ? value * 1024 : value;
                switch (parts[0])
                {
                    case "MemTotal":
                        total = bytes;
                        break;
                    case "MemAvailable":
                        available = bytes;
                        break;
                }
            }
        }

        if (total is null)
        {
            throw new FormatException("meminfo has no MemTotal line");
        }

        if (cgroupLimit is { } limit && limit < total)
        {
            total = limit;
            available = available is null ? limit : Math.Min(available.Value, limit);
        }

        return (total.Value, available);
    }

    /// <summary>Parses a cgroup v2 <c>memory.max</c> (a number of bytes, or <c>max</c> for none).</summary>
    public static long? ParseCgroupLimit(string? text) =>
        long.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? limit : null;
}
