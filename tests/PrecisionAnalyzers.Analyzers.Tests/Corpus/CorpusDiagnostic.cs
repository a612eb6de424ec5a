namespace PrecisionAnalyzers.Analyzers.Tests.Corpus;

/// <summary>A PREC diagnostic reported on a corpus case: its file, the lines its span covers (1-based) and its message.</summary>
internal sealed record CorpusDiagnostic(string File, string Rule, int StartLine, int EndLine, string Message)
{
    public bool Covers(int line) => StartLine <= line && line <= EndLine;

    public override string ToString() => $"{File}:{StartLine} {Rule} {Message}";
}
