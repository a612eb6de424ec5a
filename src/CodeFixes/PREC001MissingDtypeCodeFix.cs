using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using PrecisionAnalyzers.Analyzers;
using PrecisionAnalyzers.Analyzers.Rules;

namespace PrecisionAnalyzers.CodeFixes;

/// <summary>PREC001: sets <c>Dtype</c> explicitly, offering BFloat16, Float32 and Auto as separate fixes.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PREC001MissingDtypeCodeFix)), Shared]
public sealed class PREC001MissingDtypeCodeFix : CodeFixProvider
{
    private static readonly (string Member, string Title)[] Choices =
    [
        ("BFloat16", "Load in BFloat16 (Dtype = DType.BFloat16)"),
        ("Float32", "Load in Float32 (Dtype = DType.Float32)"),
        ("Auto", "Let the runtime choose, explicitly (Dtype = DType.Auto)"),
    ];

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.MissingDtype);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(PREC001MissingDtypeAnalyzer.FixProperty, out var fix) || fix is null or nameof(MissingDtypeFix.None)
                || diagnostic.AdditionalLocations.Count == 0)
            {
                continue;
            }

            foreach (var (member, title) in Choices)
            {
                if (fix is nameof(MissingDtypeFix.AppendConversion) or nameof(MissingDtypeFix.AddDtypeArgument) && member == "Auto")
                {
                    continue; // TorchSharp has no Auto: its modules take a concrete ScalarType
                }

                context.RegisterCodeFix(
                    CodeAction.Create(title, ct => ApplyAsync(context.Document, diagnostic, fix, member, ct), equivalenceKey: RuleIdentifiers.MissingDtype + "." + member),
                    diagnostic);
            }
        }

        return Task.CompletedTask;
    }

    private static async Task<Document> ApplyAsync(Document document, Diagnostic diagnostic, string fix, string member, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var loadOptions = model?.Compilation.GetTypeByMetadataName(KnownTypeNames.LoadOptions);
        var dtype = model?.Compilation.GetTypeByMetadataName(KnownTypeNames.DType);
        var target = root?.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true);
        if (root is null || target is null)
        {
            return document;
        }

        if (fix is not (nameof(MissingDtypeFix.AppendConversion) or nameof(MissingDtypeFix.AddDtypeArgument)) && (loadOptions is null || dtype is null))
        {
            return document;
        }

        var generator = SyntaxGenerator.GetGenerator(document);
        // Parsed, so the tree is the member access a parser would build (the generator's type expression is a qualified name).
        var dtypeValue = dtype is null ? null : SyntaxFactory.ParseExpression(dtype.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + member).WithAdditionalAnnotations(Simplifier.Annotation);
        var assignment = dtypeValue is null ? null : SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, SyntaxFactory.IdentifierName("Dtype"), dtypeValue);

        SyntaxNode newRoot;
        switch (fix)
        {
            case nameof(MissingDtypeFix.AppendConversion) when target.FirstAncestorOrSelf<InvocationExpressionSyntax>() is { } load:
            {
                var scalarType = model?.Compilation.GetTypeByMetadataName(KnownTypeNames.TorchScalarType);
                if (scalarType is null)
                {
                    return document;
                }

                var value = SyntaxFactory.ParseExpression(scalarType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + member).WithAdditionalAnnotations(Simplifier.Annotation);
                if (load.Expression is MemberAccessExpressionSyntax access)
                {
                    // module.load(p) → module.to(ScalarType.X).load(p): converted before the weights arrive, so Module.load
                    // finds the dtype it checks and PyBridge casts straight into it (no FP32 copy on the way).
                    var receiver = SyntaxFactory.InvocationExpression(
                            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, access.Expression.WithoutTrivia(), SyntaxFactory.IdentifierName("to")),
                            SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(value))))
                        .WithTriviaFrom(access.Expression);
                    newRoot = root.ReplaceNode(access.Expression, receiver);
                    break;
                }

                var converted = SyntaxFactory.InvocationExpression(
                        SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, load.WithoutTrailingTrivia(), SyntaxFactory.IdentifierName("to")),
                        SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(value))))
                    .WithTrailingTrivia(load.GetTrailingTrivia());
                newRoot = root.ReplaceNode(load, converted);
                break;
            }

            case nameof(MissingDtypeFix.AddOptionsArgument) when target.FirstAncestorOrSelf<InvocationExpressionSyntax>() is { } invocation:
            {
                var creation = NewOptions(generator, loadOptions!, assignment!);
                var arguments = invocation.ArgumentList.Arguments;
                var positional = arguments.Count == 1 && arguments[0].NameColon is null;
                var argument = SyntaxFactory.Argument(creation);
                if (!positional)
                {
                    argument = argument.WithNameColon(SyntaxFactory.NameColon("options"));
                }

                var index = arguments.Count == 0 ? 0 : 1;
                newRoot = root.ReplaceNode(invocation.ArgumentList, invocation.ArgumentList.WithArguments(arguments.Insert(index, argument)));
                break;
            }

            case nameof(MissingDtypeFix.AddDtypeArgument) when target.FirstAncestorOrSelf<InvocationExpressionSyntax>() is { } call
                && diagnostic.Properties.TryGetValue(PREC001MissingDtypeAnalyzer.ParameterProperty, out var parameter) && parameter is not null:
            {
                // The loader's dtype parameter, spelled in its own type: ScalarType.X, DType.X, or "bfloat16"/"float32".
                diagnostic.Properties.TryGetValue(PREC001TorchSharpLoadAnalyzer.ParameterTypeProperty, out var parameterType);
                ExpressionSyntax? value = parameterType switch
                {
                    "String" => SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(member.ToLowerInvariant())),
                    "DType" => dtypeValue,
                    _ => model?.Compilation.GetTypeByMetadataName(KnownTypeNames.TorchScalarType) is { } scalarType
                        ? SyntaxFactory.ParseExpression(scalarType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + member).WithAdditionalAnnotations(Simplifier.Annotation)
                        : null,
                };
                if (value is null)
                {
                    return document;
                }

                var argument = SyntaxFactory.Argument(value).WithNameColon(SyntaxFactory.NameColon(parameter));
                newRoot = root.ReplaceNode(call.ArgumentList, call.ArgumentList.AddArguments(argument));
                break;
            }

            case nameof(MissingDtypeFix.ReplaceNullOptions) when target is ExpressionSyntax nullLiteral:
                newRoot = root.ReplaceNode(nullLiteral, NewOptions(generator, loadOptions!, assignment!).WithTriviaFrom(nullLiteral));
                break;

            case nameof(MissingDtypeFix.AddToInitializer) when target.FirstAncestorOrSelf<BaseObjectCreationExpressionSyntax>() is { } creation:
            {
                var initializer = creation.Initializer;
                BaseObjectCreationExpressionSyntax updated = initializer is null
                    ? creation.WithInitializer(SyntaxFactory.InitializerExpression(SyntaxKind.ObjectInitializerExpression, SyntaxFactory.SingletonSeparatedList<ExpressionSyntax>(assignment!)))
                    : creation.WithInitializer(initializer.WithExpressions(initializer.Expressions.Insert(0, assignment!)));
                if (updated is ObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: 0 } explicitType && initializer is null)
                {
                    updated = explicitType.WithArgumentList(null).WithType(explicitType.Type.WithoutTrailingTrivia());
                }

                newRoot = root.ReplaceNode(creation, updated.WithAdditionalAnnotations(Formatter.Annotation));
                break;
            }

            default:
                return document;
        }

        return document.WithSyntaxRoot(newRoot);
    }

    private static ExpressionSyntax NewOptions(SyntaxGenerator generator, INamedTypeSymbol loadOptions, ExpressionSyntax assignment) =>
        SyntaxFactory.ObjectCreationExpression((TypeSyntax)generator.TypeExpression(loadOptions).WithAdditionalAnnotations(Simplifier.Annotation))
            .WithArgumentList(null)
            .WithInitializer(SyntaxFactory.InitializerExpression(SyntaxKind.ObjectInitializerExpression, SyntaxFactory.SingletonSeparatedList<ExpressionSyntax>(assignment)))
            .WithAdditionalAnnotations(Formatter.Annotation);
}
