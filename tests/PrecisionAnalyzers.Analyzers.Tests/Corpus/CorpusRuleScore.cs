namespace PrecisionAnalyzers.Analyzers.Tests.Corpus;

/// <summary>
/// One rule's counts on the corpus. Precision is TP / (TP + FP), recall TP / (TP + FN); with nothing to divide by
/// (no diagnostic, or no finding labelled) the value is 1, as nothing was wrong.
/// </summary>
internal sealed record CorpusRuleScore(string Rule, int TruePositives, int FalsePositives, int FalseNegatives, int Negatives)
{
    public double Precision => TruePositives + FalsePositives == 0 ? 1 : (double)TruePositives / (TruePositives + FalsePositives);

    public double Recall => TruePositives + FalseNegatives == 0 ? 1 : (double)TruePositives / (TruePositives + FalseNegatives);
}
