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
            ? Resolve(argument.Value)
            : null;

    /// <summary>
    /// A constant (a literal, a const local or field), or a local initialised with a constant and never assigned again nor
    /// passed by reference; null otherwise.
    /// </summary>
    public static string? Resolve(IOperation value)
    {
        value = ImplicitConversions.Strip(value);

        if (value.ConstantValue is { HasValue: true, Value: string text })
        {
            return text;
        }

        return value is ILocalReferenceOperation reference
            && LocalValue.SingleInitializer(reference)?.ConstantValue is { HasValue: true, Value: string constant }
            ? constant
            : null;
    }
}
