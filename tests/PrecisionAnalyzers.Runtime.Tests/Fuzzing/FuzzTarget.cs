namespace PrecisionAnalyzers.Runtime.Tests.Fuzzing;

/// <summary>
/// One reader under fuzzing: <see cref="Run"/> gives it an input (written as <see cref="InputFile"/> into a scratch folder
/// that also holds the target's fixed companion files) and exercises what it read. The property: it returns, or throws one
/// of <see cref="Allowed"/> (the reader's own typed exceptions), within the per-input time bound. Anything else is a crash.
/// </summary>
internal sealed record FuzzTarget(
    string Name,
    string InputFile,
    IReadOnlyList<Type> Allowed,
    int CiIterations,
    Action<byte[], string> Run,
    Func<IReadOnlyList<byte[]>>? ExtraSeeds = null,
    Action<string>? PrepareFolder = null)
{
    /// <summary>True when <paramref name="error"/> is one of the reader's typed failures.</summary>
    public bool IsAllowed(Exception error) => Allowed.Any(type => type.IsInstanceOfType(error));

    public override string ToString() => Name;
}
