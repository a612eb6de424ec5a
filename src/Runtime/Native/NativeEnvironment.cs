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

    /// <summary>
    /// Applies <see cref="OpenMpWaitPolicy"/> before libtorch (and with it libgomp, which reads the variable once) is loaded.
    /// Returns the decision, for <c>precision doctor</c>.
    /// </summary>
    public static OpenMpWaitDecision ApplyOpenMpWaitPolicy(ILogger logger)
    {
        var (decision, value) = OpenMpWaitPolicy.Decide(Environment.GetEnvironmentVariable);
        if (value is not null && OperatingSystem.IsLinux())
        {
            if (SetEnv(OpenMpWaitPolicy.Variable, value, 0) != 0)
            {
                return new OpenMpWaitDecision(null, $"could not set {OpenMpWaitPolicy.Variable} for libtorch; the OpenMP runtime's default applies");
            }

            // .NET keeps its own copy of the environment: keep it in step, so child processes and readers see the same.
            Environment.SetEnvironmentVariable(OpenMpWaitPolicy.Variable, value);
        }

        logger.LogDebug("OpenMP wait policy: {Policy} ({Reason}).", decision.Policy ?? "default", decision.Reason);
        return decision;
    }

    /// <summary>The native environment's value of <paramref name="name"/> (what libtorch sees), for tests and doctor.</summary>
    internal static string? NativeValue(string name) => Marshal.PtrToStringUTF8(GetEnv(name));

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnv(string name);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
