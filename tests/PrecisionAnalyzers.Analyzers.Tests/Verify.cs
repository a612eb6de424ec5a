using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using PrecisionAnalyzers.Tests.Shared;

namespace PrecisionAnalyzers.Analyzers.Tests;

/// <summary>Runs an analyzer over source with the runtime and TorchSharp referenced, expecting exactly the given diagnostics.</summary>
internal static class Verify<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public const string Usings = "using PrecisionAnalyzers.Runtime;\nusing TorchSharp;\n";

    public static DiagnosticResult Diagnostic(int markup = 0) => new DiagnosticResult(new TAnalyzer().SupportedDiagnostics[0]).WithLocation(markup).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    public static Task AnalyzeAsync(string source, params DiagnosticResult[] expected) => AnalyzeAsync(source, editorconfig: null, expected);

    public static Task AnalyzeAsync(string source, string? editorconfig, params DiagnosticResult[] expected) =>
        AnalyzeFileAsync(Usings + source, editorconfig, expected);

    /// <summary>As <see cref="AnalyzeAsync(string, DiagnosticResult[])"/>, for a whole file (its own usings and header).</summary>
    public static Task AnalyzeFileAsync(string file, string? editorconfig, params DiagnosticResult[] expected) =>
        AnalyzeWithFilesAsync(file, editorconfig, [], expected);

    /// <summary>As <see cref="AnalyzeFileAsync"/>, with further source files in the same compilation.</summary>
    public static Task AnalyzeFilesAsync(string[] files, params DiagnosticResult[] expected)
    {
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { ReferenceAssemblies = AnalyzerTestReferences.None };
        test.TestState.AdditionalReferences.AddRange(AnalyzerTestReferences.All);
        foreach (var (file, index) in files.Select((f, i) => (f, i)))
        {
            test.TestState.Sources.Add(($"/0/Test{index}.cs", file));
        }

        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>As <see cref="AnalyzeFileAsync"/>, with AdditionalFiles (name, text).</summary>
    public static Task AnalyzeWithFilesAsync(string file, string? editorconfig, (string Name, string Text)[] additionalFiles, params DiagnosticResult[] expected) =>
        AnalyzeWithFilesAsync(file, editorconfig, globalconfig: null, additionalFiles, expected);

    /// <summary>As <see cref="AnalyzeWithFilesAsync(string, string?, ValueTuple{string, string}[], DiagnosticResult[])"/>, with a global analyzer config (what MSBuild passes: <c>build_property.…</c>).</summary>
    public static Task AnalyzeWithFilesAsync(string file, string? editorconfig, string? globalconfig, (string Name, string Text)[] additionalFiles, params DiagnosticResult[] expected)
    {
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        {
            ReferenceAssemblies = AnalyzerTestReferences.None,
            TestCode = file,
        };
        test.TestState.AdditionalReferences.AddRange(AnalyzerTestReferences.All);
        if (editorconfig is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n[*.cs]\n" + editorconfig));
        }

        if (globalconfig is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\n" + globalconfig));
        }

        foreach (var (name, text) in additionalFiles)
        {
            test.TestState.AdditionalFiles.Add(("/" + name, text));
        }

        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}
