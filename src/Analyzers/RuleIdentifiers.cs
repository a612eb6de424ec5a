namespace PrecisionAnalyzers.Analyzers;

/// <summary>The compile-time rule IDs (PREC001–PREC099). Each has a page docs/rules/PRECnnn.md.</summary>
public static class RuleIdentifiers
{
    public const string MissingDtype = "PREC001";
    public const string Float16OnUnsafeModel = "PREC002";
    public const string CacheInTraining = "PREC003";
    public const string HalfDefaultDtype = "PREC004";
    public const string BFloat16OnCuda = "PREC005";
}
