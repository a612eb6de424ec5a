using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>The value an operation carries under the implicit conversions the compiler wraps around it (<c>DType</c> → <c>DType?</c>, a field to its parameter's type).</summary>
internal static class ImplicitConversions
{
    public static IOperation Strip(IOperation value)
    {
        while (value is IConversionOperation { IsImplicit: true } conversion)
        {
            value = conversion.Operand;
        }

        return value;
    }

    public static IOperation? StripOrNull(IOperation? value) => value is null ? null : Strip(value);
}
