using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PrecisionAnalyzers.Tests.Shared;

namespace PrecisionAnalyzers.Analyzers.Tests.Corpus;

/// <summary>
/// Compiles every corpus case on its own (with the stand-ins for packages the registry here lacks) and runs every
/// analyzer of the analyzer assembly over it, in parallel; keeps what each case gave. The run happens once per test
/// process (<see cref="Result"/>).
/// </summary>
internal static class CorpusRunner
{
    private static readonly Lazy<Task<IReadOnlyList<CorpusCaseResult>>> Run = new(() => TimedAsync(LoadCases()));

    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "Corpus");

    public static Task<IReadOnlyList<CorpusCaseResult>> Result => Run.Value;

    /// <summary>Wall-clock and process CPU time of the shared run (the CPU time includes tests running beside it).</summary>
    public static (TimeSpan Wall, TimeSpan Cpu) RunTime { get; private set; }

    public static ImmutableArray<MetadataReference> References { get; } = AnalyzerTestReferences.All
        .Add(MetadataReference.CreateFromFile(typeof(TorchSharp.PyBridge.PyBridgeModuleExtensions).Assembly.Location));

    public static ImmutableArray<DiagnosticAnalyzer> Analyzers() => typeof(RuleDescriptors).Assembly.GetTypes()
        .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    public static IReadOnlyList<CorpusCase> LoadCases()
    {
        var cases = Path.Combine(Root, "Cases");
        return Directory.GetFiles(cases, "*.cs", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(path => CorpusCase.Load(cases, path))
            .ToArray();
    }

    private static async Task<IReadOnlyList<CorpusCaseResult>> TimedAsync(IReadOnlyList<CorpusCase> cases)
    {
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var wall = System.Diagnostics.Stopwatch.StartNew();
        var results = await RunAsync(cases);
        RunTime = (wall.Elapsed, System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu);
        return results;
    }

    public static async Task<IReadOnlyList<CorpusCaseResult>> RunAsync(IReadOnlyList<CorpusCase> cases)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var standIns = Directory.GetFiles(Path.Combine(Root, "StandIns"), "*.cs")
            .Order(StringComparer.Ordinal)
            .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), parseOptions, path: "StandIns/" + Path.GetFileName(path)))
            .ToArray();
        var analyzers = Analyzers();
        var results = await Task.WhenAll(cases.Select(c => Task.Run(() => AnalyzeAsync(c, standIns, parseOptions, analyzers))));
        return results;
    }

    private static async Task<CorpusCaseResult> AnalyzeAsync(CorpusCase corpusCase, SyntaxTree[] standIns, CSharpParseOptions parseOptions, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var tree = CSharpSyntaxTree.ParseText(corpusCase.Text, parseOptions, path: corpusCase.Name);
        var compilation = CSharpCompilation.Create(
            "Corpus_" + Path.GetFileNameWithoutExtension(corpusCase.Name),
            [tree, .. standIns],
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var exceptions = new ConcurrentBag<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            onAnalyzerException: (exception, analyzer, _) => exceptions.Add($"{analyzer.GetType().Name}: {exception.GetType().Name}: {exception.Message}"),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: false);
        // One pass binds the case once for the compiler's diagnostics and the analyzers' alike.
        var diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAllDiagnosticsAsync();
        var compileErrors = diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error && !d.Id.StartsWith("PREC", StringComparison.Ordinal) && d.Id != "AD0001")
            .Select(d => $"{d.Location.GetLineSpan().Path}:{d.Location.GetLineSpan().StartLinePosition.Line + 1} {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")
            .ToArray();
        foreach (var crash in diagnostics.Where(d => d.Id == "AD0001"))
        {
            exceptions.Add(crash.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        }

        var prec = diagnostics
            .Where(d => d.Id.StartsWith("PREC", StringComparison.Ordinal) && d.Location.IsInSource)
            .Select(d =>
            {
                var span = d.Location.GetLineSpan();
                var additional = d.AdditionalLocations
                    .Where(a => a.IsInSource && a.GetLineSpan().Path == span.Path)
                    .Select(a => (a.GetLineSpan().StartLinePosition.Line + 1, a.GetLineSpan().EndLinePosition.Line + 1))
                    .ToArray();
                return new CorpusDiagnostic(span.Path, d.Id, span.StartLinePosition.Line + 1, span.EndLinePosition.Line + 1, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)) { AdditionalLines = additional };
            })
            .OrderBy(d => d.StartLine)
            .ToArray();
        return new CorpusCaseResult(corpusCase, compileErrors, [.. exceptions], prec);
    }
}
