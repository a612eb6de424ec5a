using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace PrecisionAnalyzers.Runtime.Native;

/// <summary>
/// Settings libtorch reads from the process environment, set in the native environment (on Unix, .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> changes only its own copy, which libtorch never sees).
/// </summary>
internal static partial class NativeEnvironment
{
    /// <summary>
    /// Applies <see cref="HugePagePolicy"/>: when it says yes and the user has not set <c>THP_MEM_ALLOC_ENABLE</c>, sets it
    /// for libtorch's CPU allocator. Returns the decision, for <c>precision doctor</c>.
    /// </summary>
    public static HugePageDecision ApplyHugePagePolicy(ILogger logger)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new HugePageDecision(false, "transparent huge pages are a Linux feature");
        }

        var decision = HugePagePolicy.Decide(Environment.GetEnvironmentVariable);
        if (decision.Enabled && Environment.GetEnvironmentVariable(HugePagePolicy.LibTorchVariable) is null
            && SetEnv(HugePagePolicy.LibTorchVariable, "1", 0) == 0)
        {
            logger.LogDebug("Set {Variable}=1 for libtorch's CPU allocator.", HugePagePolicy.LibTorchVariable);
        }

        logger.LogDebug("Huge pages for libtorch: {Enabled} ({Reason}).", decision.Enabled ? "on" : "off", decision.Reason);
        return decision;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
