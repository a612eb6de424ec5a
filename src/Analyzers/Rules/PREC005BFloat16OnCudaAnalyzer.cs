using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers.Rules;

/// <summary>
/// PREC005: <c>new LoadOptions { Dtype = DType.BFloat16, Device = "cuda…" }</c>: BF16 written in for a GPU, although GPUs below
/// compute capability 8.0 cannot run BF16 matrix multiplication. Fix: <c>DType.Auto</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PREC005BFloat16OnCudaAnalyzer : LoadCallAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RuleDescriptors.BFloat16OnCuda);

    internal override bool AppliesToLoads(PrecisionContext precision) => precision.BFloat16 is not null;

    internal override void Analyze(SyntaxNodeAnalysisContext context, PrecisionContext precision, LoadCall call, ModelConfigs configs)
    {
        if (call.Choice == DtypeChoice.Set
            && call.DtypeValue is IFieldReferenceOperation field
            && SymbolEqualityComparer.Default.Equals(field.Field, precision.BFloat16)
            && call.Device is { } device
            && device.Trim().StartsWith("cuda", StringComparison.OrdinalIgnoreCase))
        {
            var (at, chosenAt) = call.Locate(field.Syntax, field.Syntax, precision);
            context.ReportDiagnostic(Diagnostic.Create(RuleDescriptors.BFloat16OnCuda, at, chosenAt is null ? null : [chosenAt], device));
        }
    }
}
