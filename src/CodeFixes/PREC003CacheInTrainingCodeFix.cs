using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PrecisionAnalyzers.Analyzers;

namespace PrecisionAnalyzers.CodeFixes;

/// <summary>
/// PREC003: turns the generation cache off: <c>true</c> becomes <c>false</c>, or, for a GenAI <c>CausalLMModelInput</c>
/// whose <c>useCache</c> was left to its default of true, <c>useCache: false</c> is added.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PREC003CacheInTrainingCodeFix)), Shared]
public sealed class PREC003CacheInTrainingCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.CacheInTraining);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (diagnostic.Properties.ContainsKey(Analyzers.Rules.PREC003CacheInTrainingAnalyzer.AddArgumentKey))
            {
                if (node?.FirstAncestorOrSelf<ObjectCreationExpressionSyntax>() is { } creation)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create("Turn the generation cache off for training", _ => Task.FromResult(context.Document.WithSyntaxRoot(root!.ReplaceNode(creation, AddUseCacheFalse(creation)))), equivalenceKey: RuleIdentifiers.CacheInTraining),
                        diagnostic);
                }

                continue;
            }

            if (node is not LiteralExpressionSyntax literal || !literal.IsKind(SyntaxKind.TrueLiteralExpression))
            {
                continue;
            }

            var replacement = SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression).WithTriviaFrom(literal);
            context.RegisterCodeFix(
                CodeAction.Create("Turn the generation cache off for training", _ => Task.FromResult(context.Document.WithSyntaxRoot(root!.ReplaceNode(literal, replacement))), equivalenceKey: RuleIdentifiers.CacheInTraining),
                diagnostic);
        }
    }

    private static ObjectCreationExpressionSyntax AddUseCacheFalse(ObjectCreationExpressionSyntax creation)
    {
        var argument = SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression))
            .WithNameColon(SyntaxFactory.NameColon(SyntaxFactory.IdentifierName("useCache")));
        if (creation.ArgumentList is null)
        {
            // new CausalLMModelInput { … } has no argument list: its constructor then needs inputIds anyway, so this is rare.
            return creation.WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(argument)))
                .WithType(creation.Type.WithoutTrailingTrivia())
                .WithTrailingTrivia(creation.GetTrailingTrivia());
        }

        var arguments = creation.ArgumentList.Arguments;
        var separators = arguments.GetSeparators().ToList();
        if (arguments.Count > 0)
        {
            separators.Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
        }

        var list = SyntaxFactory.SeparatedList(arguments.Append(argument), separators);
        return creation.WithArgumentList(creation.ArgumentList.WithArguments(list));
    }
}
