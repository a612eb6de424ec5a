using System.Text.RegularExpressions;

namespace PrecisionAnalyzers.Integration.Tests;

/// <summary>
/// The samples as they are in the repository, copied out of it and built against the packages of the local feed: what they
/// show must be what a team gets by copying them.
/// </summary>
[Collection(PackagesCollection.Name)]
[Trait("Category", "Integration")]
public sealed partial class SamplesTests(PackagesFixture packages)
{
    private static readonly string[] AllRules = ["PREC001", "PREC002", "PREC003", "PREC004", "PREC005"];

    [Fact]
    public async Task BuildEnforcement_settings_fail_a_consumer_build_on_every_rule_and_write_SARIF_in_CI()
    {
        var sample = Path.Combine(packages.RepositoryRoot, "samples", "BuildEnforcement");
        var consumer = Consumer.Create(packages, "enforcement", files: new Dictionary<string, string>
        {
            ["Others.cs"] = Consumer.OtherViolations,
            [".editorconfig"] = await File.ReadAllTextAsync(Path.Combine(sample, ".editorconfig")),
            ["Directory.Build.props"] = await File.ReadAllTextAsync(Path.Combine(sample, "Directory.Build.props")),
        });

        var build = await packages.DotnetAsConsumer(consumer.Folder, ["build", consumer.ProjectFile, "-nodeReuse:false", "-tl:off", "-p:CI=true"]);

        Assert.False(build.Succeeded, build.ToString());
        var diagnostics = Consumer.Diagnostics(build);
        Assert.Equal(AllRules, diagnostics.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal));
        Assert.All(diagnostics, d => Assert.Equal("error", d.Severity));
        Assert.True(File.Exists(Path.Combine(consumer.Folder, "obj", "Consumer.sarif")), build.ToString());
    }

    [Fact]
    public async Task AnalyzerShowcase_built_from_the_packages_flags_each_marked_line_and_nothing_in_Fixed()
    {
        var root = CopySample("AnalyzerShowcase");
        var project = Path.Combine(root, "samples", "AnalyzerShowcase", "AnalyzerShowcase.csproj");

        var build = await packages.DotnetAsConsumer(root, ["build", project, "-nodeReuse:false", "-tl:off", .. PackageMode()]);

        Assert.True(build.Succeeded, build.ToString());
        AssertRestoredFromPackages(Path.Combine(root, "samples", "AnalyzerShowcase"));
        var violations = await File.ReadAllTextAsync(Path.Combine(root, "samples", "AnalyzerShowcase", "Violations.cs"));
        var expected = violations.Split('\n')
            .Select((line, index) => (Match: RuleComment().Match(line), Line: index + 1))
            .Where(x => x.Match.Success)
            .Select(x => new BuildDiagnostic("Violations.cs", x.Line, "warning", x.Match.Groups[1].Value))
            .ToList();
        Assert.Equal(AllRules, expected.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(expected, Consumer.Diagnostics(build));
    }

    [Fact]
    public async Task QuickStart_built_from_the_packages_runs_on_a_model_the_installed_tool_wrote()
    {
        var root = CopySample("QuickStart");
        var folder = Path.Combine(root, "samples", "QuickStart");
        var project = Path.Combine(folder, "QuickStart.csproj");

        var build = await packages.DotnetAsConsumer(root, ["build", project, "-nodeReuse:false", "-tl:off", .. PackageMode()]);

        Assert.True(build.Succeeded, build.ToString());
        Assert.Empty(Consumer.Diagnostics(build));
        AssertRestoredFromPackages(folder);

        var toolPath = Path.Combine(root, "tools");
        var install = await packages.DotnetAsConsumer(root,
            "tool", "install", PackagesFixture.ToolId, "--tool-path", toolPath, "--add-source", packages.Feed, "--version", packages.Version);
        Assert.True(install.Succeeded, install.ToString());
        var nativeCache = new Dictionary<string, string?> { ["PRECISION_NATIVE_CACHE"] = Path.Combine(root, "native-cache") };
        var model = Path.Combine(root, "model");
        var demo = await ProcessRunner.RunAsync(Path.Combine(toolPath, "precision"), ["demo", "--out", model, "--family", "llama"], root, nativeCache);
        Assert.True(demo.Succeeded, demo.ToString());

        var run = await ProcessRunner.RunAsync("dotnet", ["run", "--project", project, "--no-build", .. PackageMode(), "--", model], root, nativeCache);

        Assert.True(run.Succeeded, run.ToString());
        Assert.Contains("llama loaded in", run.Output, StringComparison.Ordinal);
        Assert.Contains("answered in", run.Output, StringComparison.Ordinal);
    }

    private string[] PackageMode() =>
        ["--property:UsePrecisionPackages=true", "--property:PrecisionPackagesVersion=" + packages.Version, "--property:PrecisionPackagesSource=" + packages.Feed];

    /// <summary>The sample and the repository's root build files, in the same layout, in a new work folder; no bin or obj.</summary>
    private string CopySample(string name)
    {
        var root = packages.NewWorkFolder(name);
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" })
        {
            File.Copy(Path.Combine(packages.RepositoryRoot, file), Path.Combine(root, file));
        }

        var from = Path.Combine(packages.RepositoryRoot, "samples", name);
        var to = Path.Combine(root, "samples", name);
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        return root;
    }

    /// <summary>The restore used the two packages of this run's version, and no project of the repository.</summary>
    private void AssertRestoredFromPackages(string projectFolder)
    {
        var assets = File.ReadAllText(Path.Combine(projectFolder, "obj", "project.assets.json"));
        Assert.Contains($"\"{PackagesFixture.AnalyzersId}/{packages.Version}\"", assets, StringComparison.Ordinal);
        Assert.Contains($"\"{PackagesFixture.RuntimeId}/{packages.Version}\"", assets, StringComparison.Ordinal);
        Assert.DoesNotContain("\"type\": \"project\"", assets, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"// (PREC\d{3})\s*$")]
    private static partial Regex RuleComment();
}
