using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers.Rules;

/// <summary>PREC004: <c>torch.set_default_dtype(ScalarType.Float16 or BFloat16)</c>, a process-wide switch to a half type.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PREC004HalfDefaultDtypeAnalyzer : PrecisionAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RuleDescriptors.HalfDefaultDtype);

    internal override bool Applies(PrecisionContext precision) => precision.TorchStatic is not null && precision.TorchScalarType is not null;

    internal override void Register(CompilationStartAnalysisContext start, PrecisionContext precision) =>
        start.RegisterSyntaxNodeAction(c => Analyze(c, precision), SyntaxKind.InvocationExpression);

    private static void Analyze(SyntaxNodeAnalysisContext context, PrecisionContext precision)
    {
        if (SyntaxFilter.InvokedName((InvocationExpressionSyntax)context.Node) != "set_default_dtype"
            || context.SemanticModel.GetOperation(context.Node, context.CancellationToken) is not IInvocationOperation invocation
            || !SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, precision.TorchStatic)
            || invocation.Arguments.Length == 0)
        {
            return;
        }

        // However the value arrives: a field, a local, a conditional whose branches are all half types, an options
        // property, configuration text parsed into a ScalarType.
        var values = DtypeFlow.Evaluate(invocation.Arguments[0].Value, precision);
        if (values.IsHalf)
        {
            var first = values.Names.Contains("BFloat16") ? "BFloat16" : "Float16";
            context.ReportDiagnostic(Diagnostic.Create(RuleDescriptors.HalfDefaultDtype, invocation.Syntax.GetLocation(), values.Display, first));
        }
    }
}
