namespace PrecisionAnalyzers.Runtime.Tests.Fuzzing;

/// <summary>An input that broke the property: what happened, at which iteration of which seed, and where the input is.</summary>
internal sealed record FuzzCrash(string Target, int Seed, int Iteration, string Signature, string Detail, string InputPath)
{
    public override string ToString() =>
        $"{Target} seed {Seed} iteration {Iteration}: {Signature}\n  input: {InputPath}\n  {Detail.ReplaceLineEndings("\n  ")}";
}
