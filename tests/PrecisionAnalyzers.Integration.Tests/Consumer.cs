using System.Text.RegularExpressions;

namespace PrecisionAnalyzers.Integration.Tests;

/// <summary>
/// A console project in a temporary folder that uses the packages as any project would: PackageReference only, from the
/// local feed. Its Main prints a line and exits without a model; the code the rules flag sits in methods only called with an
/// argument, so the project runs after the fixes without a checkpoint or libtorch.
/// </summary>
public sealed partial class Consumer
{
    /// <summary>The code every consumer has: one violation of each rule that has a fix, each marked by a comment.</summary>
    public const string FixableViolations = """
        using PrecisionAnalyzers.Runtime;

        if (args.Length == 0)
        {
            Console.WriteLine("consumer ran without a model");
            return 0;
        }

        Models.Generate(args[0]);
        Models.FineTune(args[0]);
        return 0;

        static class Models
        {
            public static void Generate(string folder)
            {
                using var model = CausalLM.Load(folder); // expect PREC001
                using var gemma = CausalLM.Load("models/gemma-2-9b", new LoadOptions { Dtype = DType.Float16 }); // expect PREC002
                Console.WriteLine($"{model.Dtype} {gemma.Dtype}");
            }

            public static void FineTune(string folder)
            {
                using var model = CausalLM.Load(folder, new LoadOptions { Dtype = DType.BFloat16, UseCache = true }); // expect PREC003
                model.Train();
            }
        }
        """;

    /// <summary>A second file with the two rules that the first does not show (PREC004 has no fix).</summary>
    public const string OtherViolations = """
        using PrecisionAnalyzers.Runtime;
        using TorchSharp;

        static class Others
        {
            public static void HalfEverywhere() => torch.set_default_dtype(torch.float16); // expect PREC004

            public static CausalLM OnGpu(string folder) => CausalLM.Load(folder, new LoadOptions { Dtype = DType.BFloat16, Device = "cuda" }); // expect PREC005
        }
        """;

    private Consumer(PackagesFixture packages, string folder)
    {
        Packages = packages;
        Folder = folder;
    }

    public PackagesFixture Packages { get; }

    public string Folder { get; }

    public string ProjectFile => Path.Combine(Folder, "Consumer.csproj");

    public string ProgramFile => Path.Combine(Folder, "Program.cs");

    /// <summary>Writes the project: <paramref name="extraProperties"/> go into its PropertyGroup, <paramref name="files"/> beside Program.cs.</summary>
    public static Consumer Create(PackagesFixture packages, string name, string extraProperties = "", IReadOnlyDictionary<string, string>? files = null)
    {
        var consumer = new Consumer(packages, packages.NewWorkFolder(name));
        File.WriteAllText(consumer.ProjectFile, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                {extraProperties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{PackagesFixture.AnalyzersId}" Version="{packages.Version}" />
                <PackageReference Include="{PackagesFixture.RuntimeId}" Version="{packages.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(consumer.ProgramFile, FixableViolations);
        foreach (var (file, text) in files ?? new Dictionary<string, string>())
        {
            var path = Path.Combine(consumer.Folder, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        return consumer;
    }

    /// <summary>The 1-based lines of <paramref name="text"/> marked <c>// expect ID</c>, by rule.</summary>
    public static IReadOnlyDictionary<string, int> ExpectedLines(string text) =>
        text.Split('\n')
            .Select((line, index) => (Match: ExpectMarker().Match(line), Line: index + 1))
            .Where(x => x.Match.Success)
            .ToDictionary(x => x.Match.Groups[1].Value, x => x.Line);

    public Task<ProcessResult> Build(params string[] extra) =>
        Packages.DotnetAsConsumer(Folder, ["build", ProjectFile, "-nodeReuse:false", "-tl:off", .. extra]);

    /// <summary>The PREC diagnostics MSBuild printed, once each: file name, line, severity, ID.</summary>
    public static IReadOnlyList<BuildDiagnostic> Diagnostics(ProcessResult build) =>
        build.Output.Split('\n')
            .Select(line => DiagnosticLine().Match(line))
            .Where(m => m.Success)
            .Select(m => new BuildDiagnostic(Path.GetFileName(m.Groups["file"].Value.Trim()), int.Parse(m.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups["severity"].Value, m.Groups["id"].Value))
            .Distinct()
            .OrderBy(d => d.File, StringComparer.Ordinal).ThenBy(d => d.Line)
            .ToList();

    [GeneratedRegex(@"// expect (PREC\d{3})")]
    private static partial Regex ExpectMarker();

    [GeneratedRegex(@"^\s*(?<file>[^(]+\.cs)\((?<line>\d+),\d+\): (?<severity>warning|error) (?<id>PREC\d{3}):")]
    private static partial Regex DiagnosticLine();
}

public sealed record BuildDiagnostic(string File, int Line, string Severity, string Id)
{
    public override string ToString() => $"{File}({Line}): {Severity} {Id}";
}
