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

    private static async Task<IReadOnlyList<Diagnostic>> CrashesAsync(IEnumerable<SyntaxTree> trees, params AdditionalText[] additionalFiles)
    {
        var compilation = CSharpCompilation.Create("Sweep", trees, AnalyzerTestReferences.All, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([.. additionalFiles]), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false);
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
            """var m = torch.nn.Linear(2, 2); m.load("models/gemma-2b.bin"); m.half(); m.to(torch.CPU, torch.ScalarType.Float16); m.to((torch.float16));""",
            """torch.set_default_dtype(torch.half); var m = torch.nn.Linear(2, 2).load(path).load("gemma-7b/model.bin"); m = m.half().half();""",
            """var m = torch.jit.load("gemma-2b.pt"); m.half(""",
            """var m = torch.nn.Linear(2, 2); m.load(""",
            """var p = "models/"; p += "gemma"; var m = torch.nn.Linear(2, 2); m.load(p); m.to(torch.ScalarType.Float16);""",
            """var m = torch.nn.Linear(2, 2); var n = m; m = n; n = m; m.load("/models/custom/x.bin"); n.half();""",
            """using var m = CausalLM.Load("/models/custom", new LoadOptions { Dtype = DType.Float16 }); using var n = CausalLM.Load("\0bad", new LoadOptions { Dtype = DType.Float16 });""",
            // The data flow of issue 14: cycles, self-reference, half-typed expressions, recursion through methods and fields.
            """var a = b; var b = a; torch.set_default_dtype(a); var m = torch.nn.Linear(2, 2); m.load("gemma-2b.bin"); m.to(b);""",
            """var t = torch.ScalarType.Float16; t = t; t = Loop(); torch.set_default_dtype(t); torch.set_default_dtype(Loop2());""",
            """torch.set_default_dtype(_self); torch.set_default_dtype(Self); torch.set_default_dtype(Enum.Parse<torch.ScalarType>());""",
            """torch.set_default_dtype(Enum.Parse<torch.ScalarType>(path ?? path ?? "fp16")); Enum.TryParse<torch.ScalarType>(path, out var x); torch.set_default_dtype(x);""",
            """var opts = new Opts { Dtype = opts.Dtype }; torch.set_default_dtype(opts.Dtype); var q = new Opts(); q.Dtype = q.Dtype; torch.set_default_dtype(q.Dtype);""",
            """torch.set_default_dtype(path switch { "a" => torch.ScalarType.Float16, _ => });""",
            """var cfg = System.Text.Json.JsonSerializer.Deserialize<Opts>(path); var n = new Net(cfg); n.load_safetensors(System.IO.Path.Combine(path, $"{path}/{cfg}", "gemma-7b")); n = n.to(torch.CPU);""",
            """var n = new Net(null!); n = n; n.load_safetensors(path + path + "x"); var l = Loader.LoadIt(path); var k = Loader.LoadIt(""",
            """Action a = () => { var model = CausalLM.Load("m", new LoadOptions { UseCache = true }); }; var opt = torch.optim.Adam(null!); opt.step(); this.Train();""",
            """using var a = CausalLM.Load("/models/custom1", new LoadOptions { Dtype = DType.Float16 }); using var b = CausalLM.Load("/models/custom2", new LoadOptions { Dtype = DType.Float16 }); using var c = CausalLM.Load("/models/custom3", new LoadOptions { Dtype = DType.Float16 }); using var d = CausalLM.Load("/models/custom4", new LoadOptions { Dtype = DType.Float16 }); using var e = CausalLM.Load("/models/custom5", new LoadOptions { Dtype = DType.Float16 });""",
        ];
        var trees = fragments.Select((body, i) => CSharpSyntaxTree.ParseText(
            $$"""
            using System;
            using PrecisionAnalyzers.Runtime;
            using TorchSharp;
            using TorchSharp.PyBridge;
            class Program{{i}}
            {
                static torch.ScalarType _self = _self;
                static torch.ScalarType Self => Self;
                static torch.ScalarType Loop() => Loop2();
                static torch.ScalarType Loop2() => Loop();
                void Train() { }
                void M(string path)
                {
                    {{body}}
                }
            }

            class Opts{{i}} { }
            """ + (i == 0 ? Extra : string.Empty),
            path: $"Program{i}.cs"));

        var crashes = await CrashesAsync(trees);

        Assert.Empty(crashes);

        string[] configs = ["{", "", "{\"model_type\": \"gemma3\", \"hidden_size\": 1e400, \"num_hidden_layers\": -3}", new string('[', 100000), "{\"text_config\": [1]}", "{\"a\": \"\\u12\"}"];
        var files = configs.Select((text, i) => (AdditionalText)new InMemoryText($"/models/custom{(i == 0 ? string.Empty : i.ToString(System.Globalization.CultureInfo.InvariantCulture))}/config.json", text)).ToArray();
        Assert.Empty(await CrashesAsync(trees, files));
    }

    private const string Extra = """

        class Opts { public torch.ScalarType Dtype { get; set; } }
        class Net : torch.nn.Module<torch.Tensor, torch.Tensor>
        {
            public Net(Opts opts) : base("net") { }
            public override torch.Tensor forward(torch.Tensor x) => x;
        }
        static class Loader { public static Net LoadIt(string path, torch.ScalarType dtype = torch.ScalarType.Float16) => new Net(new Opts()); }
        """ + StandIns.PyBridge;

    private sealed class InMemoryText(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override Microsoft.CodeAnalysis.Text.SourceText GetText(CancellationToken cancellationToken = default) => Microsoft.CodeAnalysis.Text.SourceText.From(text);
    }
}
