using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace PrecisionAnalyzers.Tests.Shared;

/// <summary>
/// The references test compilations use: the running .NET's own assemblies (no reference-pack download, so tests run offline
/// and the same everywhere) plus the real runtime, TorchSharp and logging assemblies the rules recognise by metadata name.
/// </summary>
internal static class AnalyzerTestReferences
{
    public static ReferenceAssemblies None { get; } = new("net10.0");

    public static ImmutableArray<MetadataReference> All { get; } = Create();

    private static ImmutableArray<MetadataReference> Create()
    {
        var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(path => path.Contains("Microsoft.NETCore.App", StringComparison.Ordinal));
        var libraries = new[]
        {
            typeof(PrecisionAnalyzers.Runtime.CausalLM).Assembly.Location,
            typeof(TorchSharp.torch).Assembly.Location,
            typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location,
        };
        return framework.Concat(libraries).Distinct().Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)).ToImmutableArray();
    }
}
