using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
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
/// call in any member of that type counts: the model is the type's, and the type trains it. For a type declared in one
/// place, the site's own syntax action decides; for a partial type with several declarations, a symbol-start action
/// gathers the sites and the training calls of every part and reports at the type's symbol end.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PREC003CacheInTrainingAnalyzer : PrecisionAnalyzer
{
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

        start.RegisterSymbolStartAction(s => StartPartialType(s, precision), SymbolKind.NamedType);
    }

    /// <summary>
    /// A type declared in more than one place (a partial type): its configuration sites are judged against the training
    /// calls of all its parts. Every other type leaves at once (one array length read), its sites decided where they are.
    /// </summary>
    private static void StartPartialType(SymbolStartAnalysisContext start, PrecisionContext precision)
    {
        if (start.Symbol is not INamedTypeSymbol type || type.DeclaringSyntaxReferences.Length < 2)
        {
            return;
        }

        var parts = type.DeclaringSyntaxReferences;
        var sites = new ConcurrentQueue<(Location Location, ImmutableDictionary<string, string?> Properties)>();
        var trains = 0;

        start.RegisterSyntaxNodeAction(
            c =>
            {
                if (Volatile.Read(ref trains) == 0 && TrainingScope.Names.Contains(SyntaxFilter.InvokedName((InvocationExpressionSyntax)c.Node))
                    && IsInPart(c.Node, parts)
                    && IsTrainingCall(c.SemanticModel, precision, (InvocationExpressionSyntax)c.Node, c.CancellationToken))
                {
                    Interlocked.Exchange(ref trains, 1);
                }
            },
            SyntaxKind.InvocationExpression);
        start.RegisterSyntaxNodeAction(
            c =>
            {
                if (SyntaxFilter.AssignedName((AssignmentExpressionSyntax)c.Node) == "UseCache"
                    && ConfiguredType(c.Node) is { } declaration && IsPart(declaration, parts)
                    && AssignmentSite(c.SemanticModel, precision, (AssignmentExpressionSyntax)c.Node, c.CancellationToken) is { } site)
                {
                    sites.Enqueue(site);
                }
            },
            SyntaxKind.SimpleAssignmentExpression);
        if (precision.GenAIModelInput is not null)
        {
            start.RegisterSyntaxNodeAction(
                c =>
                {
                    if (CreatedName((ObjectCreationExpressionSyntax)c.Node) == ModelInputName
                        && ConfiguredType(c.Node) is { } declaration && IsPart(declaration, parts)
                        && ModelInputSite(c.SemanticModel, precision, (ObjectCreationExpressionSyntax)c.Node, c.CancellationToken) is { } site)
                    {
                        sites.Enqueue(site);
                    }
                },
                SyntaxKind.ObjectCreationExpression);
        }

        start.RegisterSymbolEndAction(end =>
        {
            if (Volatile.Read(ref trains) == 0)
            {
                return;
            }

            foreach (var (location, properties) in sites)
            {
                if (end.CancellationToken.IsCancellationRequested)
                {
                    return;
                }

                end.ReportDiagnostic(Diagnostic.Create(RuleDescriptors.CacheInTraining, location, properties, type.Name));
            }
        });
    }

    /// <summary>Whether <paramref name="declaration"/> is one of the declarations in <paramref name="parts"/>.</summary>
    private static bool IsPart(TypeDeclarationSyntax declaration, ImmutableArray<SyntaxReference> parts)
    {
        foreach (var part in parts)
        {
            if (part.SyntaxTree == declaration.SyntaxTree && part.Span == declaration.Span)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether <paramref name="node"/> lies in one of <paramref name="parts"/>, or in a type nested in one. The compiler hands a
    /// type's symbol-start actions the nodes of its own members only, so a partial type's nested types are in practice not
    /// seen (docs/rules/PREC003.md says so); should a compiler hand them over, they count, as they do for a type declared once.
    /// </summary>
    private static bool IsInPart(SyntaxNode node, ImmutableArray<SyntaxReference> parts)
    {
        for (var declaration = node.FirstAncestorOrSelf<TypeDeclarationSyntax>(); declaration is not null; declaration = declaration.Parent?.FirstAncestorOrSelf<TypeDeclarationSyntax>())
        {
            if (IsPart(declaration, parts))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The simple name of the type an object creation names (<c>CausalLMModelInput</c> in <c>new Core.CausalLMModelInput(…)</c>), or null.</summary>
    private static string? CreatedName(ObjectCreationExpressionSyntax syntax) => syntax.Type switch
    {
        IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
        _ => null,
    };

    private static void AnalyzeModelInput(SyntaxNodeAnalysisContext context, PrecisionContext precision)
    {
        var syntax = (ObjectCreationExpressionSyntax)context.Node;
        if (ModelInputSite(context.SemanticModel, precision, syntax, context.CancellationToken) is { } site
            && Trainer(context, precision, syntax) is { } trainer)
        {
            context.ReportDiagnostic(Diagnostic.Create(RuleDescriptors.CacheInTraining, site.Location, site.Properties, trainer));
        }
    }

    /// <summary>
    /// Where a GenAI <c>new CausalLMModelInput(…)</c> turns the cache on (its <c>useCache: true</c>, or its type when the
    /// argument is left to its default of true) and the diagnostic's properties; null when it does not.
    /// </summary>
    private static (Location Location, ImmutableDictionary<string, string?> Properties)? ModelInputSite(SemanticModel model, PrecisionContext precision, ObjectCreationExpressionSyntax syntax, CancellationToken cancellationToken)
    {
        if (CreatedName(syntax) != ModelInputName
            || model.GetOperation(syntax, cancellationToken) is not IObjectCreationOperation creation
            || !SymbolEqualityComparer.Default.Equals(creation.Type, precision.GenAIModelInput))
        {
            return null;
        }

        // An initializer that sets UseCache decides instead (the assignment analysis sees a 'true' there).
        if (creation.Initializer?.Initializers.OfType<ISimpleAssignmentOperation>().Any(a => a.Target is IPropertyReferenceOperation p && SymbolEqualityComparer.Default.Equals(p.Property, precision.GenAIModelInputUseCache)) == true)
        {
            return null;
        }

        var useCache = creation.Arguments.FirstOrDefault(argument => argument.Parameter?.Name == "useCache");
        Location location;
        ImmutableDictionary<string, string?> properties;
        if (useCache is null || useCache.ArgumentKind == ArgumentKind.DefaultValue)
        {
            if (useCache?.Parameter is not { HasExplicitDefaultValue: true, ExplicitDefaultValue: true })
            {
                return null;
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
            return null;
        }

        return (location, properties);
    }

    /// <summary>
    /// The name of what trains where <paramref name="node"/> turns the cache on: the enclosing method (or lambda, local
    /// function, top-level code) when it trains; for the type's own configuration (a field or property initializer, a
    /// constructor), the type, when any member of its declaration trains; otherwise null. A partial type declared in more
    /// than one place is left to <see cref="StartPartialType"/>, which sees all its parts.
    /// </summary>
    private static string? Trainer(SyntaxNodeAnalysisContext context, PrecisionContext precision, SyntaxNode node)
    {
        var body = SyntaxFilter.EnclosingBody(node);
        if (body is null)
        {
            return null;
        }

        var type = ConfiguredType(node, body);
        if (type is not null)
        {
            if (context.SemanticModel.GetDeclaredSymbol(type, context.CancellationToken) is { DeclaringSyntaxReferences.Length: > 1 })
            {
                return null;
            }

            return HasTrainingCall(context, precision, type) ? type.Identifier.ValueText : null;
        }

        // The whole method trains or not, its lambdas and local functions included; and the cache must be the trained model's:
        // UseCache on model A where the method trains model B is not a finding.
        var method = OutermostBody(node) ?? body;
        var scope = TrainingScope.Of(method, context.SemanticModel, precision, context.CancellationToken);
        if (!scope.Trains)
        {
            return null;
        }

        var site = context.SemanticModel.GetOperation(node, context.CancellationToken);
        var model = site is null ? null : CachedModel.Of(site, precision);
        if (model is null && IsModelInput(site, precision))
        {
            return null; // a GenAI input no model call in the method is given: it carries tensors, its cache setting goes nowhere
        }

        return scope.TrainsModel(model) ? context.ContainingSymbol?.Name ?? "this code" : null;
    }

    private static bool IsModelInput(IOperation? site, PrecisionContext precision) => site switch
    {
        IObjectCreationOperation creation => SymbolEqualityComparer.Default.Equals(creation.Type, precision.GenAIModelInput),
        ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property } => SymbolEqualityComparer.Default.Equals(property.Property, precision.GenAIModelInputUseCache),
        _ => false,
    };

    /// <summary>The member-level body around a node: the method, constructor or accessor (through any lambdas and local functions), or the file's top-level code.</summary>
    private static SyntaxNode? OutermostBody(SyntaxNode node)
    {
        SyntaxNode? outermost = null;
        for (var current = node; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case BaseMethodDeclarationSyntax or AccessorDeclarationSyntax:
                    return current;
                case GlobalStatementSyntax:
                    return current.Parent;
                case LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax:
                    outermost = current;
                    break;
                case MemberDeclarationSyntax:
                    return outermost;
            }
        }

        return outermost;
    }

    /// <summary>
    /// The type declaration (innermost) whose own configuration <paramref name="node"/> is part of — a field or property
    /// initializer, or a constructor's body — or null when it belongs to a method-scoped body (or to none).
    /// </summary>
    private static TypeDeclarationSyntax? ConfiguredType(SyntaxNode node) =>
        SyntaxFilter.EnclosingBody(node) is { } body ? ConfiguredType(node, body) : null;

    private static TypeDeclarationSyntax? ConfiguredType(SyntaxNode node, SyntaxNode body)
    {
        var member = node.FirstAncestorOrSelf<MemberDeclarationSyntax>(m => m is not GlobalStatementSyntax);
        var typeWide = body is ConstructorDeclarationSyntax || (body is CompilationUnitSyntax && member is FieldDeclarationSyntax or PropertyDeclarationSyntax);
        return typeWide ? node.FirstAncestorOrSelf<TypeDeclarationSyntax>() : null;
    }

    private static bool HasTrainingCall(SyntaxNodeAnalysisContext context, PrecisionContext precision, SyntaxNode scope) =>
        scope.DescendantNodes()
            .OfType<InvocationExpressionSyntax>()
            .Any(invocation => IsTrainingCall(context.SemanticModel, precision, invocation, context.CancellationToken));

    private static bool IsTrainingCall(SemanticModel model, PrecisionContext precision, InvocationExpressionSyntax invocation, CancellationToken cancellationToken) =>
        TrainingScope.Names.Contains(SyntaxFilter.InvokedName(invocation))
        && model.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol method && precision.IsTraining(method);

    private static void Analyze(SyntaxNodeAnalysisContext context, PrecisionContext precision)
    {
        var syntax = (AssignmentExpressionSyntax)context.Node;
        if (AssignmentSite(context.SemanticModel, precision, syntax, context.CancellationToken) is { } site
            && Trainer(context, precision, syntax) is { } trainer)
        {
            context.ReportDiagnostic(Diagnostic.Create(RuleDescriptors.CacheInTraining, site.Location, site.Properties, trainer));
        }
    }

    /// <summary>Where <c>UseCache = true</c> turns the cache on (the literal), with no properties; null for any other assignment.</summary>
    private static (Location Location, ImmutableDictionary<string, string?> Properties)? AssignmentSite(SemanticModel model, PrecisionContext precision, AssignmentExpressionSyntax syntax, CancellationToken cancellationToken)
    {
        if (SyntaxFilter.AssignedName(syntax) != "UseCache" || !SyntaxFilter.IsTrue(syntax.Right)
            || model.GetOperation(syntax, cancellationToken) is not ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property }
            || !(SymbolEqualityComparer.Default.Equals(property.Property, precision.LoadOptionsUseCache) || SymbolEqualityComparer.Default.Equals(property.Property, precision.ModelUseCache)
                 || SymbolEqualityComparer.Default.Equals(property.Property, precision.GenAIModelInputUseCache)))
        {
            return null;
        }

        return (syntax.Right.GetLocation(), ImmutableDictionary<string, string?>.Empty);
    }
}
