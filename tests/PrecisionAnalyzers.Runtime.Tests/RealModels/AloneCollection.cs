namespace PrecisionAnalyzers.Runtime.Tests.RealModels;

/// <summary>
/// Tests that load two native runtimes (libtorch and ONNX Runtime) into the process run alone: once, in a full parallel run,
/// a libtorch check failed inside the MiniLM comparison ("Expected false to be true") and passed when run by itself.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "Runs alone";
}
