using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers.Rules;

/// <summary>
/// PREC002: FP16 is chosen for a model that is FP16-unsafe (Gemma and the other families the runtime lists) or large
/// (at least <c>precision_analyzers.large_model_threshold</c>, 1B by default). The model is known from the path or id literal
/// of the load call; when it is not known, nothing is reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PREC002Float16OnUnsafeModelAnalyzer : LoadCallAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RuleDescriptors.Float16OnUnsafeModel);

    internal override bool AppliesToLoads(PrecisionContext precision) => precision.Float16 is not null;

    internal override void Analyze(SyntaxNodeAnalysisContext context, PrecisionContext precision, LoadCall call)
    {
        var invocation = call.Invocation;
        if (call.Choice != DtypeChoice.Set || call.Path is null
            || call.DtypeValue is not IFieldReferenceOperation field || !SymbolEqualityComparer.Default.Equals(field.Field, precision.Float16))
        {
            return;
        }

        var tree = invocation.Syntax.SyntaxTree;
        var hint = ModelHint.Parse(call.Path, AnalyzerOptionsReader.UnsafeFamilies(context.Options, tree));
        var threshold = AnalyzerOptionsReader.Threshold(context.Options, tree);
        string? why = null;
        if (hint.UnsafeFamily is not null)
        {
            why = $"belongs to the {hint.UnsafeFamily} family, whose hidden states overflow FP16's 65504 and turn into NaN";
        }
        else if (hint.Parameters >= threshold)
        {
            why = string.Format(CultureInfo.InvariantCulture, "has about {0:0.#}B parameters (at least the {1:0.#}B threshold), where activations outgrow FP16's range", hint.Parameters / 1e9, threshold / 1e9);
        }

        if (why is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(RuleDescriptors.Float16OnUnsafeModel, field.Syntax.GetLocation(), $"'{hint.Name}'", why));
        }
    }
}
