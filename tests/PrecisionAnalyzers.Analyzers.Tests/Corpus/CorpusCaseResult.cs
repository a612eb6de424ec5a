namespace PrecisionAnalyzers.Analyzers.Tests.Corpus;

/// <summary>What running the analyzers over one case gave: compile errors, analyzer exceptions and PREC diagnostics.</summary>
internal sealed record CorpusCaseResult(CorpusCase Case, IReadOnlyList<string> CompileErrors, IReadOnlyList<string> AnalyzerExceptions, IReadOnlyList<CorpusDiagnostic> Diagnostics);
