using System.Text.Json;

namespace PrecisionAnalyzers.Integration.Tests;

/// <summary>The analyzers package in a consumer's build: warnings where the code is, errors when a team says so, fixes by dotnet format, SARIF.</summary>
[Collection(PackagesCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ConsumerBuildTests(PackagesFixture packages)
{
    private static readonly string[] FixableRules = ["PREC001", "PREC002", "PREC003"];

    [Fact]
    public async Task Build_reports_PREC001_to_PREC003_as_warnings_at_their_lines()
    {
        var consumer = Consumer.Create(packages, "warnings");

        var build = await consumer.Build();

        Assert.True(build.Succeeded, build.ToString());
        var expected = Consumer.ExpectedLines(Consumer.FixableViolations)
            .Select(e => new BuildDiagnostic("Program.cs", e.Value, "warning", e.Key))
            .OrderBy(d => d.Line)
            .ToList();
        Assert.Equal(FixableRules, expected.Select(d => d.Id));
        Assert.Equal(expected, Consumer.Diagnostics(build));
    }

    [Fact]
    public async Task A_models_config_json_given_as_an_AdditionalFile_decides_PREC002_with_the_path_resolved_against_the_project()
    {
        // Two configs end in models/custom; only the project's own folder (ProjectDir, which the SDK passes to analyzers)
        // tells them apart, and it holds a gemma3 text model while the other is a small llama.
        const string custom = """
            using PrecisionAnalyzers.Runtime;

            static class Custom
            {
                public static CausalLM Half() => CausalLM.Load("models/custom", new LoadOptions { Dtype = DType.Float16 }); // expect PREC002
                public static CausalLM Small() => CausalLM.Load("models/small", new LoadOptions { Dtype = DType.Float16 });
            }
            """;
        var consumer = Consumer.Create(packages, "configjson", files: new Dictionary<string, string>
        {
            ["Custom.cs"] = custom,
            ["Directory.Build.props"] = "<Project><ItemGroup><AdditionalFiles Include=\"**/config.json\" /></ItemGroup></Project>",
            ["models/custom/config.json"] = """{ "model_type": "gemma3_text", "hidden_size": 640, "num_hidden_layers": 18 }""",
            ["models/small/config.json"] = """{ "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2 }""",
            ["elsewhere/models/custom/config.json"] = """{ "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2 }""",
        });

        var build = await consumer.Build();

        Assert.True(build.Succeeded, build.ToString());
        Assert.Equal(
            [new BuildDiagnostic("Custom.cs", Consumer.ExpectedLines(custom)["PREC002"], "warning", "PREC002")],
            Consumer.Diagnostics(build).Where(d => d.File == "Custom.cs"));
        Assert.Contains("model_type in its config.json", build.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Editorconfig_severity_error_fails_the_build()
    {
        var consumer = Consumer.Create(packages, "editorconfig", files: new Dictionary<string, string>
        {
            [".editorconfig"] = "root = true\n\n[*.cs]\ndotnet_diagnostic.PREC001.severity = error\n",
        });

        var build = await consumer.Build();

        Assert.False(build.Succeeded, build.ToString());
        var diagnostics = Consumer.Diagnostics(build);
        Assert.Contains(new BuildDiagnostic("Program.cs", Consumer.ExpectedLines(Consumer.FixableViolations)["PREC001"], "error", "PREC001"), diagnostics);
        Assert.DoesNotContain(diagnostics, d => d.Id != "PREC001" && d.Severity == "error");
    }

    [Fact]
    public async Task WarningsAsErrors_fails_the_build_on_that_rule_only()
    {
        var consumer = Consumer.Create(packages, "warnaserror", "<WarningsAsErrors>$(WarningsAsErrors);PREC002</WarningsAsErrors>");

        var build = await consumer.Build();

        Assert.False(build.Succeeded, build.ToString());
        var lines = Consumer.ExpectedLines(Consumer.FixableViolations);
        var diagnostics = Consumer.Diagnostics(build);
        Assert.Contains(new BuildDiagnostic("Program.cs", lines["PREC002"], "error", "PREC002"), diagnostics);
        Assert.Contains(new BuildDiagnostic("Program.cs", lines["PREC001"], "warning", "PREC001"), diagnostics);
    }

    [Fact]
    public async Task Enforce_mode_makes_every_rule_an_error()
    {
        var consumer = Consumer.Create(packages, "enforce", "<PrecisionAnalyzersMode>Enforce</PrecisionAnalyzersMode>",
            new Dictionary<string, string> { ["Others.cs"] = Consumer.OtherViolations });

        var build = await consumer.Build();

        Assert.False(build.Succeeded, build.ToString());
        var diagnostics = Consumer.Diagnostics(build);
        Assert.Equal(["PREC001", "PREC002", "PREC003", "PREC004", "PREC005"], diagnostics.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal));
        Assert.All(diagnostics, d => Assert.Equal("error", d.Severity));
    }

    [Fact]
    public async Task Dotnet_format_fixes_them_and_the_project_still_builds_and_runs()
    {
        var consumer = Consumer.Create(packages, "format");
        string[] diagnostics = ["--diagnostics", .. FixableRules];

        // The CI check of samples/BuildEnforcement: fails while a fix would change a file.
        var before = await packages.DotnetAsConsumer(consumer.Folder, ["format", "analyzers", consumer.ProjectFile, "--verify-no-changes", .. diagnostics]);
        Assert.False(before.Succeeded, before.ToString());
        Assert.Equal(Consumer.FixableViolations, await File.ReadAllTextAsync(consumer.ProgramFile));

        var format = await packages.DotnetAsConsumer(consumer.Folder, ["format", "analyzers", consumer.ProjectFile, "--verbosity", "normal", .. diagnostics]);

        Assert.True(format.Succeeded, format.ToString());
        var after = await packages.DotnetAsConsumer(consumer.Folder, ["format", "analyzers", consumer.ProjectFile, "--verify-no-changes", .. diagnostics]);
        Assert.True(after.Succeeded, after.ToString());
        var fixedCode = await File.ReadAllTextAsync(consumer.ProgramFile);
        Assert.NotEqual(Consumer.FixableViolations, fixedCode);
        Assert.Contains("CausalLM.Load(folder, new LoadOptions { Dtype = DType.", fixedCode, StringComparison.Ordinal);
        Assert.Contains("""CausalLM.Load("models/gemma-2-9b", new LoadOptions { Dtype = DType.BFloat16 })""", fixedCode, StringComparison.Ordinal);
        Assert.Contains("UseCache = false", fixedCode, StringComparison.Ordinal);

        var build = await consumer.Build();
        Assert.True(build.Succeeded, build.ToString());
        Assert.Empty(Consumer.Diagnostics(build));
        Assert.DoesNotContain(": warning PREC", build.Output, StringComparison.Ordinal);

        var run = await packages.DotnetAsConsumer(consumer.Folder, "run", "--project", consumer.ProjectFile, "--no-build");
        Assert.True(run.Succeeded, run.ToString());
        Assert.Contains("consumer ran without a model", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorLog_writes_SARIF_with_every_rule_and_its_help_uri()
    {
        var consumer = Consumer.Create(packages, "sarif", files: new Dictionary<string, string> { ["Others.cs"] = Consumer.OtherViolations });
        var sarif = Path.Combine(consumer.Folder, "build.sarif");

        // The comma and the equals sign escaped for MSBuild: ErrorLog=build.sarif,version=2.1.
        var build = await consumer.Build($"-p:ErrorLog={sarif}%2Cversion%3D2.1");

        Assert.True(build.Succeeded, build.ToString());
        Assert.True(File.Exists(sarif), build.ToString());
        using var log = JsonDocument.Parse(await File.ReadAllTextAsync(sarif));
        var run = log.RootElement.GetProperty("runs")[0];
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray()
            .Where(r => r.GetProperty("id").GetString()!.StartsWith("PREC", StringComparison.Ordinal))
            .ToDictionary(r => r.GetProperty("id").GetString()!, r => r.TryGetProperty("helpUri", out var uri) ? uri.GetString() : null);
        string[] all = ["PREC001", "PREC002", "PREC003", "PREC004", "PREC005"];
        Assert.Equal(all, rules.Keys.Order());
        foreach (var (id, helpUri) in rules)
        {
            Assert.Equal($"https://github.com/precision-analyzers/precision-analyzers/blob/main/docs/rules/{id}.md", helpUri);
            Assert.True(File.Exists(Path.Combine(packages.RepositoryRoot, "docs", "rules", id + ".md")), $"{helpUri} names no page of docs/rules");
        }

        var results = run.GetProperty("results").EnumerateArray()
            .Select(r => (
                Id: r.GetProperty("ruleId").GetString()!,
                File: Path.GetFileName(r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()!),
                Line: r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32()))
            .Where(r => r.Id.StartsWith("PREC", StringComparison.Ordinal))
            .OrderBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
        var expected = Consumer.ExpectedLines(Consumer.FixableViolations).Select(e => (Id: e.Key, File: "Program.cs", Line: e.Value))
            .Concat(Consumer.ExpectedLines(Consumer.OtherViolations).Select(e => (Id: e.Key, File: "Others.cs", Line: e.Value)))
            .OrderBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expected, results);
    }
}
