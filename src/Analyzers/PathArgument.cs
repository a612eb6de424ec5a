using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>The string a load call's path argument is known to hold, as far as the method it is in shows.</summary>
internal static class PathArgument
{
    /// <summary>The value of the call's first string parameter (the path, folder or id of every loader we know), or null.</summary>
    public static string? Of(IInvocationOperation call) =>
        call.Arguments.Where(a => a.Parameter?.Type.SpecialType == SpecialType.System_String).OrderBy(a => a.Parameter!.Ordinal).FirstOrDefault() is { } argument
            ? Resolve(argument.Value, call)
            : null;

    /// <summary>
    /// A constant (a literal, a const local or field), or a local initialised with a constant and never assigned again nor
    /// passed by reference; null otherwise.
    /// </summary>
    public static string? Resolve(IOperation value, IOperation site)
    {
        while (value is IConversionOperation { IsImplicit: true } conversion)
        {
            value = conversion.Operand;
        }

        if (value.ConstantValue is { HasValue: true, Value: string text })
        {
            return text;
        }

        if (value is not ILocalReferenceOperation { Local: var local })
        {
            return null;
        }

        var root = site;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        string? initial = null;
        foreach (var operation in root.Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                    initial = declarator.Initializer?.Value.ConstantValue is { HasValue: true, Value: string constant } ? constant : null;
                    if (initial is null)
                    {
                        return null;
                    }

                    break;
                case IAssignmentOperation { Target: ILocalReferenceOperation target } when SymbolEqualityComparer.Default.Equals(target.Local, local):
                case IArgumentOperation { Value: ILocalReferenceOperation passed, Parameter.RefKind: not RefKind.None } when SymbolEqualityComparer.Default.Equals(passed.Local, local):
                    return null;
            }
        }

        return initial;
    }
}
