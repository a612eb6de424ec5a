using System.Reflection;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PrecisionAnalyzers.Analyzers.Tests;

public sealed class CatalogueAndDocsTests
{
    private static readonly string Root = FindRoot();

    public static TheoryData<string> TypeNames => new(typeof(KnownTypeNames).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!));

    private static IEnumerable<DiagnosticAnalyzer> Analyzers() => typeof(RuleDescriptors).Assembly.GetTypes()
        .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!);

    [Theory]
    [MemberData(nameof(TypeNames))]
    public void Every_catalogued_metadata_name_exists_in_the_real_assemblies(string metadataName)
    {
        var assemblies = new[] { typeof(PrecisionAnalyzers.Runtime.CausalLM).Assembly, typeof(TorchSharp.torch).Assembly };

        Assert.Contains(assemblies, a => a.GetType(metadataName) is not null);
    }

    [Fact]
    public void The_catalogue_is_sorted()
    {
        var names = typeof(KnownTypeNames).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name).ToArray();

        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public void Every_rule_has_its_page_and_every_page_has_a_rule()
    {
        var ids = Analyzers().SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToHashSet();
        var pages = Directory.GetFiles(Path.Combine(Root, "docs", "rules"), "PREC0*.md").Select(Path.GetFileNameWithoutExtension).ToHashSet();

        Assert.Equal(ids.Order(), pages.Order()!);
        foreach (var descriptor in Analyzers().SelectMany(a => a.SupportedDiagnostics))
        {
            Assert.Equal($"https://github.com/precision-analyzers/precision-analyzers/blob/main/docs/rules/{descriptor.Id}.md", descriptor.HelpLinkUri);
            Assert.False(string.IsNullOrWhiteSpace(descriptor.Title.ToString()));
            Assert.Contains(descriptor.Id, File.ReadAllText(Path.Combine(Root, "src", "Analyzers", "AnalyzerReleases.Unshipped.md")), StringComparison.Ordinal);
        }
    }

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "PrecisionAnalyzers.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("The repository root was not found above " + AppContext.BaseDirectory);
    }
}
