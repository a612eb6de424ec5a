using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>The text a load call's path or model id argument is known to hold, as far as the code shows.</summary>
internal static class PathArgument
{
    private const int MaxDepth = 4;

    /// <summary>The value of the call's first string parameter (the path, folder or id of every loader we know), or null.</summary>
    public static string? Of(IInvocationOperation call) =>
        call.Arguments.Where(a => a.Parameter?.Type.SpecialType == SpecialType.System_String).OrderBy(a => a.Parameter!.Ordinal).FirstOrDefault() is { } argument
            ? Resolve(argument.Value)
            : null;

    /// <summary>
    /// A constant (a literal, a const local or field); a local initialised once and never assigned again nor passed by
    /// reference; a static readonly field or property of the same file with an initializer; and the parts of
    /// <c>Path.Combine</c>/<c>Path.Join</c>, <c>+</c> and interpolated strings, with <c>?</c> for a part the code does not show
    /// (<c>Path.Combine(root, "Phi-3-mini-4k-instruct")</c> → <c>?/Phi-3-mini-4k-instruct</c>). Null when nothing is known.
    /// </summary>
    public static string? Resolve(IOperation value)
    {
        var text = Text(value, 0);
        return text is null || text.Replace("?", string.Empty).Replace("/", string.Empty).Length == 0 ? null : text;
    }

    private static string? Text(IOperation? value, int depth)
    {
        value = ImplicitConversions.StripOrNull(value);
        if (value is null || depth > MaxDepth)
        {
            return null;
        }

        if (value.ConstantValue is { HasValue: true, Value: string text })
        {
            return text;
        }

        switch (value)
        {
            case ILocalReferenceOperation reference:
                return LocalValue.SingleInitializer(reference) is { } initializer ? Text(initializer, depth + 1) : null;
            case IFieldReferenceOperation { Field: { IsStatic: true, IsReadOnly: true } field } reference:
                return Initializer(field, reference, depth);
            case IPropertyReferenceOperation { Property: { IsStatic: true, SetMethod: null } property } reference:
                return Initializer(property, reference, depth);
            case IInvocationOperation call when call.TargetMethod is { Name: "Combine" or "Join", ContainingType: { Name: "Path", ContainingNamespace: { Name: "IO", ContainingNamespace.Name: "System" } } }:
                return string.Join("/", call.Arguments.SelectMany(a => a.Value is IArrayCreationOperation { Initializer: { } array } ? array.ElementValues.AsEnumerable() : new[] { a.Value }).Select(v => Text(v, depth + 1) ?? "?"));
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } add when add.Type?.SpecialType == SpecialType.System_String:
                return (Text(add.LeftOperand, depth + 1) ?? "?") + (Text(add.RightOperand, depth + 1) ?? "?");
            case IInterpolatedStringOperation interpolated:
            {
                var builder = new StringBuilder();
                foreach (var part in interpolated.Parts)
                {
                    builder.Append(part switch
                    {
                        IInterpolatedStringTextOperation literal => Text(literal.Text, depth + 1),
                        IInterpolationOperation hole => Text(hole.Expression, depth + 1) ?? "?",
                        _ => "?",
                    });
                }

                return builder.ToString();
            }

            default:
                return null;
        }
    }

    /// <summary>The initializer of a static readonly member declared in the same file.</summary>
    private static string? Initializer(ISymbol member, IOperation at, int depth)
    {
        var declaration = member.DeclaringSyntaxReferences.FirstOrDefault(r => r.SyntaxTree == at.Syntax.SyntaxTree)?.GetSyntax();
        var initializer = declaration switch
        {
            VariableDeclaratorSyntax { Initializer.Value: var v } => v,
            PropertyDeclarationSyntax { Initializer.Value: var v } => v,
            PropertyDeclarationSyntax { ExpressionBody.Expression: var v } => v,
            _ => null,
        };
        return initializer is null || at.SemanticModel?.GetOperation(initializer) is not { } operation ? null : Text(operation, depth + 1);
    }
}
