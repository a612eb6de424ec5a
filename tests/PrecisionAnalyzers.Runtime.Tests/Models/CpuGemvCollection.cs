namespace PrecisionAnalyzers.Runtime.Tests.Models;

/// <summary>Tests that switch the process-wide GEMV path, instruction set or thread count run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CpuGemvCollection
{
    public const string Name = "CPU GEMV settings";
}
