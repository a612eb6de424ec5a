using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// The shared frame of the rules about one runtime load call (PREC001, PREC005; PREC002 resolves runtime loads the same way
/// beside TorchSharp's forms): gated on the runtime being referenced,
/// pre-filtered on the invoked name and its receiver (<see cref="StaticCallFilter"/>), confirmed by symbol, resolved into a <see cref="LoadCall"/>; each rule then decides.
/// </summary>
public abstract class LoadCallAnalyzer : PrecisionAnalyzer
{
    internal override bool Applies(PrecisionContext precision) => precision.HasRuntime && AppliesToLoads(precision);

    internal sealed override void Register(CompilationStartAnalysisContext start, PrecisionContext precision)
    {
        var filter = new StaticCallFilter(start.Compilation, [precision.CausalLM, precision.SentenceEncoder]);
        var configs = ModelConfigs.Create(start.Options);
        start.RegisterSyntaxNodeAction(c => Analyze(c, precision, filter, configs), SyntaxKind.InvocationExpression);
    }

    /// <summary>Whether the rule can apply to this compilation's load calls at all.</summary>
    internal virtual bool AppliesToLoads(PrecisionContext precision) => true;

    /// <summary>Decides on one resolved load call; <paramref name="configs"/> are the config.json AdditionalFiles.</summary>
    internal abstract void Analyze(SyntaxNodeAnalysisContext context, PrecisionContext precision, LoadCall call, ModelConfigs configs);

    private void Analyze(SyntaxNodeAnalysisContext context, PrecisionContext precision, StaticCallFilter filter, ModelConfigs configs)
    {
        var syntax = (InvocationExpressionSyntax)context.Node;
        if (SyntaxFilter.InvokedName(syntax) != "Load" || !filter.MayCall(syntax)
            || context.SemanticModel.GetOperation(context.Node, context.CancellationToken) is not IInvocationOperation invocation
            || !precision.IsRuntimeLoad(invocation.TargetMethod))
        {
            return;
        }

        Analyze(context, precision, LoadCall.Inspect(invocation, precision), configs);
    }
}
