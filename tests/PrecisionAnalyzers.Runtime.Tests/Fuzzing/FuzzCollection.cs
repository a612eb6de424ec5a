namespace PrecisionAnalyzers.Runtime.Tests.Fuzzing;

/// <summary>The fuzz tests share stories260K (loaded once) and run one target at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection
{
    public const string Name = "fuzzing";
}
