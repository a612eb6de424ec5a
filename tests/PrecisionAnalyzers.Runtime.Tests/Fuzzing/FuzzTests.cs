using Xunit.Abstractions;

namespace PrecisionAnalyzers.Runtime.Tests.Fuzzing;

/// <summary>
/// Fuzzes each reader with the fixed CI seed for its CI count of executions (docs/fuzzing.md: how to run longer or with
/// another seed). Fails with every distinct crash: its seed, iteration, exception and the input written to the findings folder.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class FuzzTests(ITestOutputHelper output)
{
    public static TheoryData<string> Targets => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Reader_returns_or_throws_its_own_exception_on_every_mutated_input(string target)
    {
        var settings = FuzzSettings.FromEnvironment();
        var report = FuzzRunner.Run(FuzzTargets.Get(target), settings);
        output.WriteLine(report.ToString());
        Assert.True(report.Executions > 0);
        Assert.True(report.Crashes.Count == 0, string.Join("\n", report.Crashes));
        Assert.Equal(settings.IterationsFor(FuzzTargets.Get(target)), report.Executions);
    }
}
