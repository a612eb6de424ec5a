using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using PrecisionAnalyzers.Analyzers;

// The analyzers' cost measured in process, where the noise of a build (the compiler server's other work, garbage collections
// landing in whichever analyzer runs, JIT of a cold server) can be separated out: the project that bench/analyzers/run.sh
// generated is compiled from its own csc command line (read from the build log) and, in the same rounds, analysed by the
// PrecisionAnalyzers alone. Both single-threaded; round 0 is cold (JIT), the warm rounds are reported as median and minimum.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: PrecisionAnalyzers.AnalyzerBenchmarks BUILD_LOG [ROUNDS=10]   (bench/analyzers/run.sh with KEEP_WORK=1 keeps one)");
    return 2;
}

var log = Path.GetFullPath(args[0]);
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var line = File.ReadLines(log).FirstOrDefault(l => l.Contains("/csc ", StringComparison.Ordinal) && l.Contains("/reference:", StringComparison.Ordinal));
if (line is null)
{
    Console.Error.WriteLine($"{log} holds no csc command line (build with -v:detailed)");
    return 2;
}

var commandLine = CommandLineParser.SplitCommandLineIntoArguments(line.Trim(), removeHashComments: false).SkipWhile(a => !a.EndsWith("/csc", StringComparison.Ordinal)).Skip(1);
var parsed = CSharpCommandLineParser.Default.Parse(commandLine, Path.GetDirectoryName(log)!, sdkDirectory: null);
var trees = parsed.SourceFiles.Select(f => CSharpSyntaxTree.ParseText(SourceText.From(File.ReadAllText(f.Path)), parsed.ParseOptions, f.Path)).ToImmutableArray();
var references = parsed.MetadataReferences.Select(r => (MetadataReference)MetadataReference.CreateFromFile(r.Reference)).ToImmutableArray();
var options = parsed.CompilationOptions.WithConcurrentBuild(false);

// The build's source generators (LibraryImport, …) run once; their output joins the sources every round compiles.
var generators = parsed.AnalyzerReferences
    .Select(r => new AnalyzerFileReference(r.FilePath, new GeneratorAssemblyLoader()))
    .SelectMany(r => r.GetGenerators(LanguageNames.CSharp))
    .ToArray();
CSharpGeneratorDriver.Create(generators, parseOptions: parsed.ParseOptions)
    .RunGeneratorsAndUpdateCompilation(CSharpCompilation.Create(parsed.CompilationName ?? "Bench", trees, references, options), out var generated, out _);
trees = [.. generated.SyntaxTrees];
var analyzers = typeof(PrecisionAnalyzer).Assembly.GetTypes()
    .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttributes(typeof(DiagnosticAnalyzerAttribute), false).Length > 0)
    .OrderBy(t => t.Name, StringComparer.Ordinal)
    .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
    .ToImmutableArray();
CSharpCompilation Fresh() => CSharpCompilation.Create(parsed.CompilationName ?? "Bench", trees, references, options);

var errorList = Fresh().GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
var errors = errorList.Count;
foreach (var error in errorList.Take(5))
{
    Console.Error.WriteLine(error);
}

Console.WriteLine($"{trees.Length} files, {references.Length} references, {errors} compile errors, {analyzers.Length} analyzers, {rounds} rounds after a cold one");
var compile = new List<double>();
var totals = new List<double>();
var perAnalyzer = analyzers.ToDictionary(a => a, _ => new List<double>());
var cold = new Dictionary<DiagnosticAnalyzer, double>();
var reported = 0;
var coldCompile = 0.0;
for (var round = 0; round <= rounds; round++)
{
    var watch = Stopwatch.StartNew();
    var emitted = Fresh().Emit(Stream.Null);
    var compileMs = watch.Elapsed.TotalMilliseconds;

    var withAnalyzers = Fresh().WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(
        new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: true));
    reported = (await withAnalyzers.GetAnalyzerDiagnosticsAsync()).Length;
    var total = 0.0;
    foreach (var analyzer in analyzers)
    {
        var ms = (await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None)).ExecutionTime.TotalMilliseconds;
        total += ms;
        if (round > 0)
        {
            perAnalyzer[analyzer].Add(ms);
        }
        else
        {
            cold[analyzer] = ms;
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}{(round == 0 ? " (cold)" : string.Empty)}: compile {compileMs:F0} ms{(emitted.Success ? string.Empty : " (failed)")}, PrecisionAnalyzers {total:F1} ms, share {total / compileMs:P2}"));
    if (round == 0)
    {
        coldCompile = compileMs;
    }
    else
    {
        compile.Add(compileMs);
        totals.Add(total);
    }
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

Console.WriteLine();
Console.WriteLine($"diagnostics reported: {reported}");
Console.WriteLine("| analyzer | cold ms (round 0) | warm median ms | warm min ms |");
Console.WriteLine("|---|---|---|---|");
foreach (var (analyzer, times) in perAnalyzer)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {analyzer.GetType().Name} | {cold[analyzer]:F1} | {Median(times):F1} | {times.Min():F1} |"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| all PrecisionAnalyzers | {cold.Values.Sum():F1} | {Median(totals):F1} | {totals.Min():F1} |"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| compile (emit, single-threaded) | {coldCompile:F0} | {Median(compile):F0} | {compile.Min():F0} |"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"share of compile time, warm: median {Median(totals) / Median(compile):P2}, minimum {totals.Min() / compile.Min():P2}"));
return 0;

/// <summary>Loads the build's generator assemblies into the default context.</summary>
internal sealed class GeneratorAssemblyLoader : IAnalyzerAssemblyLoader
{
    public void AddDependencyLocation(string fullPath)
    {
    }

    public System.Reflection.Assembly LoadFromPath(string fullPath) => System.Reflection.Assembly.LoadFrom(fullPath);
}
