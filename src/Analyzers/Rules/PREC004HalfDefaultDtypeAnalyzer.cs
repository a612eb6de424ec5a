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

        // torch.float16 and torch.half are static fields, not constants: compare the field, or the enum member when constant.
        var argument = invocation.Arguments[0].Value;
        argument = ImplicitConversions.Strip(argument);

        var name = argument switch
        {
            IFieldReferenceOperation field when SymbolEqualityComparer.Default.Equals(field.Field.ContainingType, precision.TorchScalarType) => field.Field.Name,
            IFieldReferenceOperation field when SymbolEqualityComparer.Default.Equals(field.Field.ContainingType, precision.TorchStatic) => field.Field.Name switch
            {
                "float16" or "half" => "Float16",
                "bfloat16" => "BFloat16",
                _ => null,
            },
            _ => null,
        };

        if (name is "Float16" or "BFloat16")
        {
            context.ReportDiagnostic(Diagnostic.Create(RuleDescriptors.HalfDefaultDtype, invocation.Syntax.GetLocation(), name));
        }
    }
}
