using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// Cheap syntactic pre-filters. A rule looks at the invoked or assigned member's name first and asks for symbols and
/// operations only when the name can match, so a compilation's operation trees are built only around candidate calls
/// (docs/benchmarks.md, "Analyzers"). The decision itself is always made on symbols, never on this text.
/// </summary>
internal static class SyntaxFilter
{
    /// <summary>The simple name an invocation calls (<c>Load</c> in <c>CausalLM.Load(…)</c>), or null.</summary>
    public static string? InvokedName(InvocationExpressionSyntax invocation) => InvokedNameSyntax(invocation)?.Identifier.ValueText;

    /// <summary>The name node an invocation calls (<c>half</c> in <c>m.half()</c>), or null.</summary>
    public static SimpleNameSyntax? InvokedNameSyntax(InvocationExpressionSyntax invocation) => invocation.Expression switch
    {
        MemberAccessExpressionSyntax access => access.Name,
        MemberBindingExpressionSyntax binding => binding.Name,
        SimpleNameSyntax name => name,
        _ => null,
    };

    /// <summary>The simple name an assignment assigns (<c>UseCache</c> in <c>x.UseCache = …</c> or in an initializer), or null.</summary>
    public static string? AssignedName(AssignmentExpressionSyntax assignment) => assignment.Left switch
    {
        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
        SimpleNameSyntax name => name.Identifier.ValueText,
        _ => null,
    };

    /// <summary>The body a node belongs to: the innermost method, local function, lambda, accessor, or the file's top-level statements.</summary>
    public static SyntaxNode? EnclosingBody(SyntaxNode node) => node.FirstAncestorOrSelf<SyntaxNode>(n =>
        n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax or CompilationUnitSyntax);

    /// <summary>
    /// Whether an argument is written as a name FP16 can have (<c>ScalarType.Float16</c>, <c>torch.float16</c>, <c>half</c>):
    /// PREC002 then asks whether that name is TorchSharp's field. No other spelling can reference one of those fields.
    /// </summary>
    public static bool MayNameFloat16(ArgumentListSyntax arguments)
    {
        foreach (var argument in arguments.Arguments)
        {
            var expression = argument.Expression;
            while (expression is ParenthesizedExpressionSyntax parenthesized)
            {
                expression = parenthesized.Expression;
            }

            if (SpelledFloat16(expression) || (expression is IdentifierNameSyntax local && DeclaredFloat16(local)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool SpelledFloat16(ExpressionSyntax expression) =>
        (expression switch
        {
            MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            _ => null,
        }) is "Float16" or "float16" or "half";

    /// <summary>Whether the enclosing body declares a variable of this name initialised with an FP16 spelling (<c>var dt = ScalarType.Float16;</c>).</summary>
    private static bool DeclaredFloat16(IdentifierNameSyntax name)
    {
        var text = name.Identifier.ValueText;
        foreach (var node in EnclosingBody(name)?.DescendantNodes() ?? [])
        {
            if (node is VariableDeclaratorSyntax { Initializer.Value: var value } declarator && declarator.Identifier.ValueText == text && SpelledFloat16(value))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsTrue(ExpressionSyntax expression) => expression.IsKind(SyntaxKind.TrueLiteralExpression);
}
