using System.Globalization;

namespace PrecisionAnalyzers.Runtime.Tests.Fuzzing;

/// <summary>
/// How a fuzz run is set up, from the environment: <c>PRECISION_FUZZ_SEED</c> (default the fixed CI seed),
/// <c>PRECISION_FUZZ_ITERATIONS</c> (per target; default each target's CI count), <c>PRECISION_FUZZ_TIMEOUT_SECONDS</c>
/// (the per-input bound past which an input counts as a hang; default 10) and <c>PRECISION_FUZZ_FINDINGS</c> (where
/// crashing inputs are written; default <c>fuzz-findings</c> beside the test assembly).
/// </summary>
internal sealed record FuzzSettings(int Seed, int? Iterations, TimeSpan PerInputBound, string FindingsFolder)
{
    /// <summary>The seed CI runs with: fixed, so a CI failure is never a matter of luck and always reproduces.</summary>
    public const int CiSeed = 20261203;

    public static FuzzSettings FromEnvironment() => new(
        Integer("PRECISION_FUZZ_SEED") ?? CiSeed,
        Integer("PRECISION_FUZZ_ITERATIONS"),
        TimeSpan.FromSeconds(Integer("PRECISION_FUZZ_TIMEOUT_SECONDS") ?? 10),
        Environment.GetEnvironmentVariable("PRECISION_FUZZ_FINDINGS") is { Length: > 0 } folder
            ? folder
            : Path.Combine(AppContext.BaseDirectory, "fuzz-findings"));

    public int IterationsFor(FuzzTarget target) => Iterations ?? target.CiIterations;

    private static int? Integer(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
            ? int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture)
            : null;
}
