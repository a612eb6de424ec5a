using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PrecisionAnalyzers.CodeFixes;

/// <summary>The edit of fixes that swap one enum member for another (<c>DType.Float16</c> → <c>DType.BFloat16</c>), trivia kept.</summary>
internal static class MemberNameReplacement
{
    public static async Task RegisterAsync(CodeFixContext context, string from, string to, string title, string equivalenceKey)
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
            if (root is null || name is null || name.Identifier.ValueText != from)
            {
                continue;
            }

            var replaced = root.ReplaceNode(name, SyntaxFactory.IdentifierName(to).WithTriviaFrom(name));
            context.RegisterCodeFix(CodeAction.Create(title, _ => Task.FromResult(context.Document.WithSyntaxRoot(replaced)), equivalenceKey), diagnostic);
        }
    }
}
