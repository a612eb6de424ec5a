using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers.Rules;

/// <summary>PREC001: a model is loaded without an explicit dtype.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PREC001MissingDtypeAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: which edit the fixer makes (a <see cref="MissingDtypeFix"/> name).</summary>
    public const string FixProperty = "Fix";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RuleDescriptors.MissingDtype);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var precision = PrecisionContext.Create(start.Compilation);
            if (!precision.HasRuntime)
            {
                return;
            }

            start.RegisterSyntaxNodeAction(c => Analyze(c, precision), SyntaxKind.InvocationExpression);
        });
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, PrecisionContext precision)
    {
        if (SyntaxFilter.InvokedName((InvocationExpressionSyntax)context.Node) != "Load"
            || context.SemanticModel.GetOperation(context.Node, context.CancellationToken) is not IInvocationOperation invocation
            || !precision.IsRuntimeLoad(invocation.TargetMethod))
        {
            return;
        }

        var call = LoadCall.Inspect(invocation, precision);
        if (call.Choice != DtypeChoice.NotSet)
        {
            return;
        }

        var hint = call.Path is null ? null : ModelHint.Parse(call.Path, ModelHint.DefaultUnsafeFamilies);
        var consequence = hint?.Consequence() is { } text ? $" ({hint.Name}: {text})" : string.Empty;
        var properties = ImmutableDictionary<string, string?>.Empty.Add(FixProperty, call.Fix.ToString());
        var additional = call.FixTarget is null ? null : new[] { call.FixTarget.GetLocation() };
        context.ReportDiagnostic(Diagnostic.Create(
            RuleDescriptors.MissingDtype,
            NameLocation(invocation),
            additional,
            properties,
            $"{invocation.TargetMethod.ContainingType.Name}.{invocation.TargetMethod.Name}",
            consequence));
    }

    internal static Location NameLocation(IInvocationOperation invocation) =>
        invocation.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax syntax ? syntax.Expression.GetLocation() : invocation.Syntax.GetLocation();
}
