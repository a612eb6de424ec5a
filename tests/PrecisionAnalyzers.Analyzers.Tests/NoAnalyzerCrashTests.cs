using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PrecisionAnalyzers.Tests.Shared;

namespace PrecisionAnalyzers.Analyzers.Tests;

/// <summary>An exception in an analyzer reaches users as AD0001 and switches the analyzer off: none may occur, on any code.</summary>
public sealed class NoAnalyzerCrashTests
{
    private static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers() => typeof(RuleDescriptors).Assembly.GetTypes()
        .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    private static async Task<IReadOnlyList<Diagnostic>> CrashesAsync(IEnumerable<SyntaxTree> trees)
    {
        var compilation = CSharpCompilation.Create("Sweep", trees, AnalyzerTestReferences.All, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false);
        var diagnostics = await compilation.WithAnalyzers(AllAnalyzers(), options).GetAnalyzerDiagnosticsAsync();
        return diagnostics.Where(d => d.Id == "AD0001").ToArray();
    }

    [Fact]
    public async Task No_analyzer_throws_on_any_file_of_this_repository()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "PrecisionAnalyzers.sln")))
        {
            root = root.Parent!;
        }

        var files = Directory.GetFiles(root.FullName, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToArray();
        Assert.True(files.Length > 100, $"only {files.Length} files found under {root.FullName}");

        var crashes = await CrashesAsync(files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), path: f)));

        Assert.Empty(crashes);
    }

    [Fact]
    public async Task No_analyzer_throws_on_synthetic_programs_including_broken_ones()
    {
        string[] fragments =
        [
            """using var m = CausalLM.Load("google/gemma-2-9b", new LoadOptions { Dtype = DType.Float16, UseCache = true }); m.Train();""",
            """var o = new LoadOptions(); o.Dtype = DType.Auto; o = o with { UseCache = true }; using var m = CausalLM.Load(path, o);""",
            """using var m = CausalLM.Load(""",
            """using var m = CausalLM.Load("x", new LoadOptions { Dtype = });""",
            """var o = default(LoadOptions); using var m = CausalLM.Load("x", o!);""",
            """LoadOptions o; using var m = CausalLM.Load("x", o);""",
            """using var m = CausalLM.Load(options: null, path: "x");""",
            """Func<LoadOptions> f = () => new LoadOptions(); using var m = CausalLM.Load("x", f());""",
            """using var e = SentenceEncoder.Load("all-MiniLM-L6-v2", new() { Dtype = DType.Float16 });""",
            """var t = torch.ones(2, 2); t.backward(); var o = new LoadOptions { UseCache = true };""",
            """using var m = CausalLM.Load($"models/{path}-7b", new LoadOptions { Dtype = (DType)2 });""",
            """using var m = CausalLM.Load("x", new LoadOptions { Dtype = path.Length > 3 ? DType.Float16 : null });""",
        ];
        var trees = fragments.Select((body, i) => CSharpSyntaxTree.ParseText(
            $$"""
            using System;
            using PrecisionAnalyzers.Runtime;
            using TorchSharp;
            class Program{{i}}
            {
                void M(string path)
                {
                    {{body}}
                }
            }
            """,
            path: $"Program{i}.cs"));

        var crashes = await CrashesAsync(trees);

        Assert.Empty(crashes);
    }
}
