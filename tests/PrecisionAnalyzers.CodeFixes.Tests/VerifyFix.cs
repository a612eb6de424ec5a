using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using PrecisionAnalyzers.Tests.Shared;

namespace PrecisionAnalyzers.CodeFixes.Tests;

/// <summary>
/// Applies a code fix (and FixAll) to source with the runtime and TorchSharp referenced, and checks the result: the expected
/// text to the character (trivia included), and no compiler error in the fixed code.
/// </summary>
internal static class VerifyFix<TAnalyzer, TFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TFix : CodeFixProvider, new()
{
    public const string Usings = "using PrecisionAnalyzers.Runtime;\nusing TorchSharp;\n";

    public static Task FixAsync(string source, string fixedSource, string? equivalenceKey = null) =>
        FixFilesAsync([Usings + source], [Usings + fixedSource], equivalenceKey);

    /// <summary>As <see cref="FixAsync"/>, for several files of one compilation (each given whole, with its own usings), fixed in place.</summary>
    public static Task FixFilesAsync(string[] sources, string[] fixedSources, string? equivalenceKey = null)
    {
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpCodeFixTest<TAnalyzer, TFix, DefaultVerifier>
        {
            ReferenceAssemblies = AnalyzerTestReferences.None,
            CodeActionEquivalenceKey = equivalenceKey,
        };
        foreach (var (source, index) in sources.Select((s, i) => (s, i)))
        {
            test.TestState.Sources.Add(($"/0/Test{index}.cs", source));
        }

        foreach (var (source, index) in fixedSources.Select((s, i) => (s, i)))
        {
            test.FixedState.Sources.Add(($"/0/Test{index}.cs", source));
        }

        test.TestState.AdditionalReferences.AddRange(AnalyzerTestReferences.All);
        test.FixedState.AdditionalReferences.AddRange(AnalyzerTestReferences.All);
        test.BatchFixedState.AdditionalReferences.AddRange(AnalyzerTestReferences.All);
        test.TestBehaviors |= TestBehaviors.SkipGeneratedCodeCheck;
        test.CodeActionValidationMode = CodeActionValidationMode.SemanticStructure;
        return test.RunAsync();
    }
}
