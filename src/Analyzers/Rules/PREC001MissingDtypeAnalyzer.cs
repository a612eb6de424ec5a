using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers.Rules;

/// <summary>PREC001: a model is loaded without an explicit dtype.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PREC001MissingDtypeAnalyzer : LoadCallAnalyzer
{
    /// <summary>Diagnostic property: which edit the fixer makes (a <see cref="MissingDtypeFix"/> name).</summary>
    public const string FixProperty = "Fix";

    /// <summary>Diagnostic property: the dtype parameter's name, for <see cref="MissingDtypeFix.AddDtypeArgument"/>.</summary>
    public const string ParameterProperty = "Parameter";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RuleDescriptors.MissingDtype);

    /// <summary>What the message advises for the runtime's loads.</summary>
    internal const string RuntimeAdvice = "set Dtype to DType.BFloat16, DType.Float32 or DType.Auto so its precision does not depend on the machine";

    internal override void Analyze(SyntaxNodeAnalysisContext context, PrecisionContext precision, LoadCall call, ModelConfigs configs)
    {
        if (call.Choice != DtypeChoice.NotSet)
        {
            return;
        }

        var invocation = call.Invocation;
        var consequence = ModelHint.SizeOf(call.Path, configs, context.Options, context.Node.SyntaxTree) is { } size ? $" ({size})" : string.Empty;
        var properties = ImmutableDictionary<string, string?>.Empty.Add(FixProperty, call.Fix.ToString());
        var additional = call.FixTarget is null ? null : new[] { call.FixTarget.GetLocation() };
        context.ReportDiagnostic(Diagnostic.Create(
            RuleDescriptors.MissingDtype,
            NameLocation(invocation),
            additional,
            properties,
            $"{invocation.TargetMethod.ContainingType.Name}.{invocation.TargetMethod.Name}",
            consequence,
            RuntimeAdvice));
    }

    internal static Location NameLocation(IInvocationOperation invocation) =>
        invocation.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax syntax ? syntax.Expression.GetLocation() : invocation.Syntax.GetLocation();
}
