using System;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PrecisionAnalyzers.CodeFixes;

/// <summary>
/// The edit of fixes that swap one member name for another (<c>DType.Float16</c> → <c>DType.BFloat16</c>, <c>torch.half</c> →
/// <c>torch.bfloat16</c>, <c>.half()</c> → <c>.bfloat16()</c>), trivia and type arguments kept.
/// </summary>
internal static class MemberNameReplacement
{
    /// <summary>
    /// Where the analyzers put the place to change when it is not at the diagnostic (a dtype written before the call): the
    /// first additional location; otherwise the diagnostic's own.
    /// </summary>
    public static Location WhereChosen(Diagnostic diagnostic) =>
        diagnostic.AdditionalLocations.Count > 0 ? diagnostic.AdditionalLocations[0] : diagnostic.Location;

    public static Task RegisterAsync(CodeFixContext context, string from, string to, string title, string equivalenceKey) =>
        RegisterAsync(context, _ => (from, to), title, equivalenceKey);

    /// <summary>
    /// As above, with the names to swap taken from each diagnostic (null: nothing to fix); <paramref name="where"/> says where
    /// the name to swap is (by default at the diagnostic).
    /// </summary>
    public static async Task RegisterAsync(CodeFixContext context, Func<Diagnostic, (string From, string To)?> names, string title, string equivalenceKey, Func<Diagnostic, Location>? where = null)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            var location = where?.Invoke(diagnostic) ?? diagnostic.Location;
            if (location.SourceTree != root?.SyntaxTree)
            {
                continue;
            }

            var node = root?.FindNode(location.SourceSpan, getInnermostNodeForTie: true);
            var name = node switch
            {
                MemberAccessExpressionSyntax access => access.Name,
                SimpleNameSyntax simple => simple,
                _ => null,
            };
            if (root is null || name is null || names(diagnostic) is not var (from, to) || name.Identifier.ValueText != from)
            {
                continue;
            }

            var replaced = root.ReplaceNode(name, name.WithIdentifier(SyntaxFactory.Identifier(to).WithTriviaFrom(name.Identifier)));
            context.RegisterCodeFix(CodeAction.Create(title, _ => Task.FromResult(context.Document.WithSyntaxRoot(replaced)), equivalenceKey), diagnostic);
        }
    }
}
