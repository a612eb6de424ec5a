namespace PrecisionAnalyzers.Runtime.Tests.Fuzzing;

/// <summary>
/// Every input the fuzzer ever found crashing a reader (<c>Fuzzing/regressions/&lt;target&gt;/</c>), replayed: each must
/// now be read or refused with the reader's own exception.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class FuzzRegressionTests
{
    public static TheoryData<string, string> Cases
    {
        get
        {
            var cases = new TheoryData<string, string>();
            foreach (var target in FuzzTargets.All)
            {
                foreach (var file in FuzzCorpus.Regressions(target.Name))
                {
                    cases.Add(target.Name, Path.GetFileName(file));
                }
            }

            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Found_crash_is_now_read_or_refused_with_a_typed_exception(string target, string file)
    {
        var fuzzTarget = FuzzTargets.Get(target);
        var input = await File.ReadAllBytesAsync(Path.Combine(FuzzCorpus.Root, "regressions", target, file));
        var folder = Directory.CreateTempSubdirectory("precision-fuzz-regression-").FullName;
        try
        {
            fuzzTarget.PrepareFolder?.Invoke(folder);
            // A hang fails the test instead of blocking the run.
            var error = await Task.Run(() => FuzzRunner.Execute(fuzzTarget, input, folder)).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(error is null || fuzzTarget.IsAllowed(error), $"{target}/{file}: {error}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
