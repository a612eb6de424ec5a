using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace PrecisionAnalyzers.Runtime.Native;

/// <summary>
/// Settings libtorch reads from the process environment, set in the native environment (on Unix, .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> changes only its own copy, which libtorch never sees).
/// </summary>
internal static partial class NativeEnvironment
{
    /// <summary>libtorch's switch for transparent huge pages on large CPU allocations (c10's CPU allocator).</summary>
    public const string HugePages = "THP_MEM_ALLOC_ENABLE";

    /// <summary>
    /// Turns on transparent huge pages for libtorch's large CPU allocations, unless the user set <c>THP_MEM_ALLOC_ENABLE</c>
    /// themselves or opted out with <c>PRECISION_HUGE_PAGES=0</c>. Filling fresh memory is bound by page faults on 4 KiB pages
    /// (about 1 GB/s measured here); with 2 MiB pages a model loads near memory-copy speed (docs/benchmarks.md).
    /// </summary>
    public static void EnableHugePageAllocations(ILogger logger)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("PRECISION_HUGE_PAGES") == "0" || Environment.GetEnvironmentVariable(HugePages) is not null)
        {
            return;
        }

        if (SetEnv(HugePages, "1", 0) == 0)
        {
            logger.LogDebug("Set {Variable}=1 for libtorch's CPU allocator.", HugePages);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
