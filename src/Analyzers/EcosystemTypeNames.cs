namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// Metadata names from packages the build here cannot restore (Microsoft.ML.GenAI): checked against the packages' published
/// source by hand, and tested with stand-ins of the same name and shape. The loaders of such packages live in the
/// <see cref="LoaderCatalogue"/>; this holds the rest.
/// </summary>
public static class EcosystemTypeNames
{
    /// <summary>Microsoft.ML.GenAI's model input; its constructor's <c>useCache</c> defaults to true.</summary>
    public const string GenAIModelInput = "Microsoft.ML.GenAI.Core.CausalLMModelInput";
}
