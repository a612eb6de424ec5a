using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PrecisionAnalyzers.Analyzers;

namespace PrecisionAnalyzers.CodeFixes;

/// <summary>PREC002: replaces <c>DType.Float16</c> with <c>DType.BFloat16</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PREC002Float16OnUnsafeModelCodeFix)), Shared]
public sealed class PREC002Float16OnUnsafeModelCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.Float16OnUnsafeModel);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var name = node switch
            {
                MemberAccessExpressionSyntax access => access.Name,
                IdentifierNameSyntax identifier => identifier,
                _ => null,
            };
            if (root is null || name is null || name.Identifier.ValueText != "Float16")
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Use BFloat16 (same memory, FP32's range)",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(name, SyntaxFactory.IdentifierName("BFloat16").WithTriviaFrom(name)))),
                    equivalenceKey: RuleIdentifiers.Float16OnUnsafeModel),
                diagnostic);
        }
    }
}
