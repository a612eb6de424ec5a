namespace PrecisionAnalyzers.Runtime.Native;

/// <summary>How libtorch's OpenMP workers wait between parallel regions in this process, and why.</summary>
/// <param name="Policy">The <c>OMP_WAIT_POLICY</c> in effect (<c>PASSIVE</c>, <c>ACTIVE</c>), or null when the OpenMP
/// runtime's own default applies (spin for a while, then sleep).</param>
/// <param name="Reason">For people: what decided it, and how to change it.</param>
public sealed record OpenMpWaitDecision(string? Policy, string Reason);

/// <summary>
/// Decides the wait policy of libtorch's OpenMP pool (libgomp, which reads <c>OMP_WAIT_POLICY</c> once, when libtorch is
/// loaded). By default idle workers spin on a core for a while before they sleep. In this runtime that is wrong twice:
/// between libtorch calls the decode kernels run their own workers on the same cores, which the spinning OpenMP workers
/// take from them; and on a machine doing anything else, every parallel region ends in a barrier that waits for a worker
/// the kernel has descheduled in favour of a spinner. Measured on this project's 2-core machine under load, an encoder
/// forward that does almost no arithmetic took 0.5–2.2 s with spinning workers and 9–19 ms with sleeping ones
/// (docs/benchmarks.md). So the runtime asks for <c>PASSIVE</c>, unless the user has set <c>OMP_WAIT_POLICY</c> or
/// <c>GOMP_SPINCOUNT</c> themselves, which always wins.
/// </summary>
internal static class OpenMpWaitPolicy
{
    /// <summary>The OpenMP standard's variable.</summary>
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>libgomp's own spin setting; a user who sets it has chosen how workers wait.</summary>
    public const string SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>What the runtime sets when the user has not chosen.</summary>
    public const string Passive = "PASSIVE";

    /// <summary>The decision, and the value to set (null: leave the environment as it is).</summary>
    public static (OpenMpWaitDecision Decision, string? ValueToSet) Decide(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(Variable) is { } own)
        {
            var policy = own.Trim().ToUpperInvariant();
            return (new(policy.Length == 0 ? null : policy, $"{Variable}={own} set in the environment"), null);
        }

        if (environment(SpinCountVariable) is { } spin)
        {
            return (new(null, $"{SpinCountVariable}={spin} set in the environment"), null);
        }

        return (new(Passive,
            $"the runtime's default: spinning workers would take the cores from the decode kernels and from other programs; {Variable}=ACTIVE restores spinning"),
            Passive);
    }
}
