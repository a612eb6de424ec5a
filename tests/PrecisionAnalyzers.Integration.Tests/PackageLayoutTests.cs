using System.IO.Compression;
using System.Xml.Linq;

namespace PrecisionAnalyzers.Integration.Tests;

/// <summary>What each package holds and declares, read from the .nupkg files the fixture packed.</summary>
[Collection(PackagesCollection.Name)]
[Trait("Category", "Integration")]
public sealed class PackageLayoutTests(PackagesFixture packages)
{
    [Fact]
    public void Analyzer_package_is_a_development_dependency_with_both_assemblies_under_analyzers_and_no_lib()
    {
        using var package = ZipFile.OpenRead(packages.PackagePath(PackagesFixture.AnalyzersId));
        var entries = package.Entries.Select(e => e.FullName).ToList();

        Assert.Contains("analyzers/dotnet/cs/PrecisionAnalyzers.Analyzers.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/PrecisionAnalyzers.CodeFixes.dll", entries);
        Assert.Contains("README.md", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) || e.StartsWith("ref/", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.EndsWith(".dll", StringComparison.Ordinal) && !e.StartsWith("analyzers/dotnet/cs/", StringComparison.Ordinal));

        var metadata = Metadata(package);
        Assert.Equal("true", Value(metadata, "developmentDependency"));
        Assert.Equal("README.md", Value(metadata, "readme"));
        Assert.DoesNotContain(metadata.Descendants(), e => e.Name.LocalName is "dependency" or "dependencies");
        AssertCommonMetadata(metadata);
    }

    [Fact]
    public void Runtime_package_depends_on_TorchSharp_and_on_no_backend()
    {
        using var package = ZipFile.OpenRead(packages.PackagePath(PackagesFixture.RuntimeId));

        Assert.Contains("lib/net10.0/PrecisionAnalyzers.Runtime.dll", package.Entries.Select(e => e.FullName));
        var metadata = Metadata(package);
        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToList();
        Assert.Contains("TorchSharp", dependencies);
        // Hugging Face tokenizers: the binding and its native library, so consumers get libhf_tokenizers.so.
        Assert.Contains("Tokenizers.DotNet", dependencies);
        Assert.Contains("Tokenizers.DotNet.runtime.linux-x64", dependencies);
        // Microsoft.Extensions.AI's abstractions: CausalLM as IChatClient, SentenceEncoder as IEmbeddingGenerator.
        Assert.Contains("Microsoft.Extensions.AI.Abstractions", dependencies);
        Assert.DoesNotContain(dependencies, d => d.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase) || d.StartsWith("TorchSharp-", StringComparison.OrdinalIgnoreCase));
        AssertCommonMetadata(metadata);
    }

    [Fact]
    public void Tool_package_points_to_a_linux_x64_package_that_carries_libtorch()
    {
        using (var pointer = ZipFile.OpenRead(packages.PackagePath(PackagesFixture.ToolId)))
        {
            var metadata = Metadata(pointer);
            Assert.Contains(metadata.Descendants(), e => e.Name.LocalName == "packageType" && (string?)e.Attribute("name") == "DotnetTool");
            AssertCommonMetadata(metadata);
            var settings = pointer.Entries.Single(e => e.FullName.EndsWith("DotnetToolSettings.xml", StringComparison.Ordinal));
            using var reader = new StreamReader(settings.Open());
            var text = reader.ReadToEnd();
            Assert.Contains("precision", text, StringComparison.Ordinal);
            Assert.Contains(PackagesFixture.ToolRid, text, StringComparison.Ordinal);
        }

        using var ridPackage = ZipFile.OpenRead(packages.PackagePath($"{PackagesFixture.ToolId}.{PackagesFixture.ToolRid}"));
        var entries = ridPackage.Entries.Select(e => e.FullName).ToList();
        Assert.Contains($"tools/net10.0/{PackagesFixture.ToolRid}/precision.dll", entries);
        Assert.Contains($"tools/net10.0/{PackagesFixture.ToolRid}/libtorch_cpu.so", entries);
        Assert.Contains($"tools/net10.0/{PackagesFixture.ToolRid}/libLibTorchSharp.so", entries);
        // The demo's real model, with its licence.
        Assert.Contains($"tools/net10.0/{PackagesFixture.ToolRid}/models/stories260K/model.safetensors", entries);
        Assert.Contains($"tools/net10.0/{PackagesFixture.ToolRid}/models/stories260K/LICENSE", entries);
        Assert.Contains($"tools/net10.0/{PackagesFixture.ToolRid}/libhf_tokenizers.so", entries);
        Assert.DoesNotContain(entries, e => e.EndsWith(".dylib", StringComparison.Ordinal) || e.EndsWith("LibTorchSharp.dll", StringComparison.Ordinal));
    }

    private void AssertCommonMetadata(XElement metadata)
    {
        Assert.Equal(packages.Version, Value(metadata, "version"));
        Assert.Equal("MIT", Value(metadata, "license"));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "releaseNotes")));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "authors")));
        var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        Assert.StartsWith("https://github.com/", (string?)repository.Attribute("url"), StringComparison.Ordinal);
    }

    private static XElement Metadata(ZipArchive package)
    {
        var nuspec = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        using var stream = nuspec.Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string? Value(XElement metadata, string name) =>
        metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
}
