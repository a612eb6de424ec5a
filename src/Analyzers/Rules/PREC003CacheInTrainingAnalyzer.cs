using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers.Rules;

/// <summary>
/// PREC003: <c>UseCache = true</c> (in an initializer, an assignment or a <c>with</c>) in a method that also trains:
/// <c>Train()</c>/<c>train()</c>, <c>backward()</c>, or an optimizer's <c>step()</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PREC003CacheInTrainingAnalyzer : PrecisionAnalyzer
{
    private static readonly string[] TrainingNames = ["Train", "train", "backward", "step"];

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RuleDescriptors.CacheInTraining);

    internal override bool Applies(PrecisionContext precision) => precision.LoadOptionsUseCache is not null || precision.ModelUseCache is not null;

    internal override void Register(CompilationStartAnalysisContext start, PrecisionContext precision) =>
        start.RegisterSyntaxNodeAction(c => Analyze(c, precision), SyntaxKind.SimpleAssignmentExpression);

    private static void Analyze(SyntaxNodeAnalysisContext context, PrecisionContext precision)
    {
        var syntax = (AssignmentExpressionSyntax)context.Node;
        if (SyntaxFilter.AssignedName(syntax) != "UseCache" || !SyntaxFilter.IsTrue(syntax.Right)
            || context.SemanticModel.GetOperation(syntax, context.CancellationToken) is not ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property }
            || !(SymbolEqualityComparer.Default.Equals(property.Property, precision.LoadOptionsUseCache) || SymbolEqualityComparer.Default.Equals(property.Property, precision.ModelUseCache)))
        {
            return;
        }

        var body = SyntaxFilter.EnclosingBody(syntax);
        var trains = body is not null && body.DescendantNodes()
            .OfType<InvocationExpressionSyntax>()
            .Where(invocation => TrainingNames.Contains(SyntaxFilter.InvokedName(invocation)))
            .Any(invocation => context.SemanticModel.GetSymbolInfo(invocation, context.CancellationToken).Symbol is IMethodSymbol method && precision.IsTraining(method));
        if (trains)
        {
            var owner = context.ContainingSymbol?.Name ?? "this code";
            context.ReportDiagnostic(Diagnostic.Create(RuleDescriptors.CacheInTraining, syntax.Right.GetLocation(), owner));
        }
    }
}
