using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>The rules' options from <c>.editorconfig</c> (or a global analyzer config), for the file being analysed.</summary>
internal static class AnalyzerOptionsReader
{
    public const string LargeModelThreshold = "precision_analyzers.large_model_threshold";
    public const string Fp16UnsafeFamilies = "precision_analyzers.fp16_unsafe_families";
    public const string ModelFamily = "precision_analyzers.model_family";
    public const string ModelSize = "precision_analyzers.model_size";

    /// <summary>The model <c>.editorconfig</c> says this file's code loads, for loads whose path the code does not show; or null.</summary>
    public static ModelHint? ConfiguredModel(AnalyzerOptions options, SyntaxTree tree, string[] unsafeFamilies)
    {
        var file = options.AnalyzerConfigOptionsProvider.GetOptions(tree);
        var family = file.TryGetValue(ModelFamily, out var name) && !string.IsNullOrWhiteSpace(name) ? name.Trim() : null;
        var size = file.TryGetValue(ModelSize, out var text) ? ModelHint.ParseThreshold(text) : null;
        return ModelHint.Configured(family, size, unsafeFamilies);
    }

    /// <summary>Parameters from which a model counts as large for PREC002 (default 1B).</summary>
    public static double Threshold(AnalyzerOptions options, SyntaxTree tree) =>
        options.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(LargeModelThreshold, out var text) && ModelHint.ParseThreshold(text) is { } value
            ? value
            : 1e9;

    /// <summary>The FP16-unsafe families: the runtime's list plus those the option adds (comma-separated).</summary>
    public static string[] UnsafeFamilies(AnalyzerOptions options, SyntaxTree tree) =>
        options.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(Fp16UnsafeFamilies, out var text)
            ? ModelHint.DefaultUnsafeFamilies.Concat(text.Split(',').Select(f => f.Trim()).Where(f => f.Length > 0)).ToArray()
            : ModelHint.DefaultUnsafeFamilies;
}
