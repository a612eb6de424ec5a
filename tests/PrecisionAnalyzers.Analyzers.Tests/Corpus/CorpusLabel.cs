namespace PrecisionAnalyzers.Analyzers.Tests.Corpus;

/// <summary>
/// One hand label on a line of a corpus case: <c>//! PREC001</c> (a diagnostic of that rule must cover the line) or
/// <c>//~ PREC001 reason</c> (a site a naive rule would flag, that must not be reported).
/// </summary>
/// <param name="Line">The 1-based line the label is on.</param>
/// <param name="Rule">The rule, <c>PREC001</c>…</param>
/// <param name="IsFinding">True for <c>//!</c>, false for <c>//~</c>.</param>
/// <param name="Reason">The text after the rules, or empty.</param>
internal sealed record CorpusLabel(int Line, string Rule, bool IsFinding, string Reason);
