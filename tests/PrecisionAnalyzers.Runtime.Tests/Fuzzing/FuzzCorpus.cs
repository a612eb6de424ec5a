namespace PrecisionAnalyzers.Runtime.Tests.Fuzzing;

/// <summary>
/// The seed corpus of a target (<c>Fuzzing/corpus/&lt;target&gt;/</c>, small copies of real files, copied beside the test
/// assembly) and its regression cases (<c>Fuzzing/regressions/&lt;target&gt;/</c>: every crash the fuzzer found, replayed).
/// </summary>
internal static class FuzzCorpus
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "Fuzzing");

    public static IReadOnlyList<byte[]> Seeds(FuzzTarget target)
    {
        var folder = Path.Combine(Root, "corpus", target.Name);
        var seeds = Directory.Exists(folder)
            ? Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList()
            : [];
        seeds.AddRange(target.ExtraSeeds?.Invoke() ?? []);
        return seeds.Count > 0 ? seeds : throw new InvalidOperationException($"no seed corpus for {target.Name} in {folder}");
    }

    public static IEnumerable<string> Regressions(string target)
    {
        var folder = Path.Combine(Root, "regressions", target);
        return Directory.Exists(folder) ? Directory.GetFiles(folder).Order(StringComparer.Ordinal) : [];
    }
}
