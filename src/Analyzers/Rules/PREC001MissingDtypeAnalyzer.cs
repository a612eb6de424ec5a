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

    internal override void Analyze(SyntaxNodeAnalysisContext context, PrecisionContext precision, LoadCall call)
    {
        if (call.Choice != DtypeChoice.NotSet)
        {
            return;
        }

        var invocation = call.Invocation;
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
