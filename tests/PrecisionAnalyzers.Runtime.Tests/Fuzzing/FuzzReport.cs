namespace PrecisionAnalyzers.Runtime.Tests.Fuzzing;

/// <summary>The outcome of one fuzz run of one target.</summary>
internal sealed record FuzzReport(
    string Target, int Seed, int Executions, TimeSpan Elapsed, TimeSpan Cpu, TimeSpan Mutating, int Accepted, IReadOnlyDictionary<string, int> Rejected, IReadOnlyList<FuzzCrash> Crashes)
{
    public override string ToString() =>
        $"{Target}: seed {Seed}, {Executions} executions in {Elapsed.TotalSeconds:F1} s ({Executions / Math.Max(Elapsed.TotalSeconds, 1e-9):F0}/s, {Mutating.TotalSeconds:F1} s of it mutating; {Cpu.TotalSeconds:F1} s of CPU, {Cpu.TotalMilliseconds / Math.Max(Executions, 1):F2} ms per execution); "
        + $"accepted {Accepted}, rejected {string.Join(", ", Rejected.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value}"))}; crashes {Crashes.Count}";
}
