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
/// <c>Train()</c>/<c>train()</c>, <c>backward()</c>, or an optimizer's <c>step()</c>. Also Microsoft.ML.GenAI's
/// <c>new CausalLMModelInput(…)</c> in such a method with <c>useCache: true</c> or without <c>useCache</c>, which defaults to true.
/// Where the cache is turned on as the type's own configuration (a field or property initializer, a constructor), a training
/// call in any member of that type declaration counts: the model is the type's, and the type trains it.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PREC003CacheInTrainingAnalyzer : PrecisionAnalyzer
{
    private static readonly string[] TrainingNames = ["Train", "train", "backward", "step"];

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RuleDescriptors.CacheInTraining);

    /// <summary>The diagnostic property saying the fix must add <c>useCache: false</c> (the argument is missing).</summary>
    public const string AddArgumentKey = "PREC003.AddUseCacheArgument";

    private const string ModelInputName = "CausalLMModelInput";

    internal override bool Applies(PrecisionContext precision) =>
        precision.LoadOptionsUseCache is not null || precision.ModelUseCache is not null || precision.GenAIModelInputUseCache is not null;

    internal override void Register(CompilationStartAnalysisContext start, PrecisionContext precision)
    {
        start.RegisterSyntaxNodeAction(c => Analyze(c, precision), SyntaxKind.SimpleAssignmentExpression);
        if (precision.GenAIModelInput is not null)
        {
            start.RegisterSyntaxNodeAction(c => AnalyzeModelInput(c, precision), SyntaxKind.ObjectCreationExpression);
        }
    }

    private static void AnalyzeModelInput(SyntaxNodeAnalysisContext context, PrecisionContext precision)
    {
        var syntax = (ObjectCreationExpressionSyntax)context.Node;
        var name = syntax.Type switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
            _ => null,
        };
        if (name != ModelInputName
            || context.SemanticModel.GetOperation(syntax, context.CancellationToken) is not IObjectCreationOperation creation
            || !SymbolEqualityComparer.Default.Equals(creation.Type, precision.GenAIModelInput))
        {
            return;
        }

        // An initializer that sets UseCache decides instead (the assignment analysis sees a 'true' there).
        if (creation.Initializer?.Initializers.OfType<ISimpleAssignmentOperation>().Any(a => a.Target is IPropertyReferenceOperation p && SymbolEqualityComparer.Default.Equals(p.Property, precision.GenAIModelInputUseCache)) == true)
        {
            return;
        }

        var useCache = creation.Arguments.FirstOrDefault(argument => argument.Parameter?.Name == "useCache");
        Location location;
        ImmutableDictionary<string, string?> properties;
        if (useCache is null || useCache.ArgumentKind == ArgumentKind.DefaultValue)
        {
            if (useCache?.Parameter is not { HasExplicitDefaultValue: true, ExplicitDefaultValue: true })
            {
                return;
            }

            location = syntax.Type.GetLocation();
            properties = ImmutableDictionary<string, string?>.Empty.Add(AddArgumentKey, "true");
        }
        else if (useCache.Syntax is ArgumentSyntax { Expression: var value } && SyntaxFilter.IsTrue(value))
        {
            location = value.GetLocation();
            properties = ImmutableDictionary<string, string?>.Empty;
        }
        else
        {
            return;
        }

        if (Trainer(context, precision, syntax) is { } trainer)
        {
            context.ReportDiagnostic(Diagnostic.Create(RuleDescriptors.CacheInTraining, location, properties, trainer));
        }
    }

    /// <summary>
    /// The name of what trains where <paramref name="node"/> turns the cache on: the enclosing method (or lambda, local
    /// function, top-level code) when it trains; for the type's own configuration (a field or property initializer, a
    /// constructor), the type, when any member of its declaration trains; otherwise null.
    /// </summary>
    private static string? Trainer(SyntaxNodeAnalysisContext context, PrecisionContext precision, SyntaxNode node)
    {
        var body = SyntaxFilter.EnclosingBody(node);
        if (body is null)
        {
            return null;
        }

        var member = node.FirstAncestorOrSelf<MemberDeclarationSyntax>(m => m is not GlobalStatementSyntax);
        var typeWide = body is ConstructorDeclarationSyntax || (body is CompilationUnitSyntax && member is FieldDeclarationSyntax or PropertyDeclarationSyntax);
        var type = typeWide ? node.FirstAncestorOrSelf<TypeDeclarationSyntax>() : null;
        if (type is not null)
        {
            return HasTrainingCall(context, precision, type) ? type.Identifier.ValueText : null;
        }

        return HasTrainingCall(context, precision, body) ? context.ContainingSymbol?.Name ?? "this code" : null;
    }

    private static bool HasTrainingCall(SyntaxNodeAnalysisContext context, PrecisionContext precision, SyntaxNode scope) =>
        scope.DescendantNodes()
            .OfType<InvocationExpressionSyntax>()
            .Where(invocation => TrainingNames.Contains(SyntaxFilter.InvokedName(invocation)))
            .Any(invocation => context.SemanticModel.GetSymbolInfo(invocation, context.CancellationToken).Symbol is IMethodSymbol method && precision.IsTraining(method));

    private static void Analyze(SyntaxNodeAnalysisContext context, PrecisionContext precision)
    {
        var syntax = (AssignmentExpressionSyntax)context.Node;
        if (SyntaxFilter.AssignedName(syntax) != "UseCache" || !SyntaxFilter.IsTrue(syntax.Right)
            || context.SemanticModel.GetOperation(syntax, context.CancellationToken) is not ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property }
            || !(SymbolEqualityComparer.Default.Equals(property.Property, precision.LoadOptionsUseCache) || SymbolEqualityComparer.Default.Equals(property.Property, precision.ModelUseCache)
                 || SymbolEqualityComparer.Default.Equals(property.Property, precision.GenAIModelInputUseCache)))
        {
            return;
        }

        if (Trainer(context, precision, syntax) is { } trainer)
        {
            context.ReportDiagnostic(Diagnostic.Create(RuleDescriptors.CacheInTraining, syntax.Right.GetLocation(), trainer));
        }
    }
}
