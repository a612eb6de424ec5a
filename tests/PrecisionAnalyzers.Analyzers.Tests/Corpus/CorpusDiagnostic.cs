namespace PrecisionAnalyzers.Analyzers.Tests.Corpus;

/// <summary>
/// A PREC diagnostic reported on a corpus case: its file, the lines its span covers (1-based), the line ranges of its
/// additional locations in the same file (where a rule names the place a value is chosen, such as the initializer of a
/// local that carries FP16 into a load), and its message.
/// </summary>
internal sealed record CorpusDiagnostic(string File, string Rule, int StartLine, int EndLine, string Message)
{
    public IReadOnlyList<(int StartLine, int EndLine)> AdditionalLines { get; init; } = [];

    public bool Covers(int line) =>
        (StartLine <= line && line <= EndLine) || AdditionalLines.Any(a => a.StartLine <= line && line <= a.EndLine);

    public override string ToString() => $"{File}:{StartLine} {Rule} {Message}";
}
