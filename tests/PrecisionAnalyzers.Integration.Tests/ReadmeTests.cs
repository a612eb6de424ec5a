using System.Text.RegularExpressions;

namespace PrecisionAnalyzers.Integration.Tests;

/// <summary>
/// Fast checks (no Integration trait) that the README's code table and the docs it points to stay in step with docs/rules
/// and the samples.
/// </summary>
public sealed partial class ReadmeTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void Every_PREC_code_table_lists_each_rule_page_once_with_a_link_to_it()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var start = readme.IndexOf("## Every PREC code", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no 'Every PREC code' section");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];

        var listed = TableLink().Matches(section).Select(m => (Code: m.Groups[1].Value, Target: m.Groups[2].Value)).ToList();
        var pages = Directory.EnumerateFiles(Path.Combine(Root, "docs", "rules"), "PREC*.md").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(pages, listed.Select(l => l.Code));
        Assert.All(listed, l => Assert.Equal($"docs/rules/{l.Code}.md", l.Target));
    }

    [Fact]
    public void Every_runtime_code_has_a_rule_page()
    {
        var source = File.ReadAllText(Path.Combine(Root, "src", "Runtime", "Diagnostics", "RuntimeCodes.cs"));
        var codes = RuntimeCode().Matches(source).Select(m => m.Groups[1].Value).ToList();

        Assert.Contains("PREC109", codes);
        Assert.All(codes, code => Assert.True(File.Exists(Path.Combine(Root, "docs", "rules", code + ".md")), $"{code} has no docs/rules/{code}.md"));
    }

    [GeneratedRegex(@"= ""(PREC1\d{2})"";")]
    private static partial Regex RuntimeCode();

    [Theory]
    [InlineData("samples/AnalyzerShowcase/Violations.cs")]
    [InlineData("samples/AnalyzerShowcase/Fixed.cs")]
    [InlineData("samples/BuildEnforcement/.editorconfig")]
    [InlineData("samples/BuildEnforcement/Directory.Build.props")]
    [InlineData("samples/BuildEnforcement/README.md")]
    [InlineData("docs/packages.md")]
    [InlineData("docs/chat.md")]
    [InlineData("tests/fixtures/chat/README.md")]
    public void The_files_the_docs_name_exist(string relative) => Assert.True(File.Exists(Path.Combine(Root, relative)), relative);

    [Fact]
    public void BuildEnforcement_editorconfig_makes_every_analyzer_rule_an_error()
    {
        var editorconfig = File.ReadAllText(Path.Combine(Root, "samples", "BuildEnforcement", ".editorconfig"));
        var analyzerRules = Directory.EnumerateFiles(Path.Combine(Root, "docs", "rules"), "PREC0*.md").Select(Path.GetFileNameWithoutExtension);
        Assert.All(analyzerRules, id => Assert.Contains($"dotnet_diagnostic.{id}.severity = error", editorconfig, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^\| \[(PREC\d{3})\]\(([^)]+)\) \|", RegexOptions.Multiline)]
    private static partial Regex TableLink();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PrecisionAnalyzers.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("PrecisionAnalyzers.sln not found above " + AppContext.BaseDirectory);
    }
}
