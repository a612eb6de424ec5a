using System;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// A model loader recognised by its shape, whatever it or its type is called (a project's own <c>FromPretrained</c>, a
/// misspelled <c>…ForCasualLM</c>): a method outside TorchSharp that returns a TorchSharp module (or a task of one), takes a
/// path or id as a string, and takes a dtype — a <c>ScalarType</c>, the runtime's <c>DType</c>, or a string whose name says
/// dtype — with a default value. Called without that argument, the default decides the model's precision, unseen.
/// </summary>
internal static class LoaderShape
{
    /// <summary>The names loaders have in practice: the pre-filter before a call is bound (the symbol's shape decides).</summary>
    public static bool NamedLikeLoader(string name) =>
        name.IndexOf("load", StringComparison.OrdinalIgnoreCase) >= 0 || name.IndexOf("pretrained", StringComparison.OrdinalIgnoreCase) >= 0
        || name.IndexOf("restore", StringComparison.OrdinalIgnoreCase) >= 0 || name.IndexOf("checkpoint", StringComparison.OrdinalIgnoreCase) >= 0;

    public static LoaderEntry? Of(IMethodSymbol method, PrecisionContext precision)
    {
        if (!NamedLikeLoader(method.Name) || InTorchSharp(method.ContainingNamespace) || !ReturnsModule(method.ReturnType, precision))
        {
            return null;
        }

        var dtype = method.Parameters.FirstOrDefault(p => p.HasExplicitDefaultValue && IsDtypeParameter(p, precision));
        return dtype is not null && method.Parameters.Any(p => !SymbolEqualityComparer.Default.Equals(p, dtype) && p.Type.SpecialType == SpecialType.System_String)
            ? LoaderEntry.ByShape(method, dtype.Name)
            : null;
    }

    /// <summary>A dtype parameter: <c>ScalarType</c>, <c>DType</c> (or nullable), or a string named like one (<c>dtype</c>, <c>torchDtype</c>).</summary>
    public static bool IsDtypeParameter(IParameterSymbol parameter, PrecisionContext precision) =>
        IsDtypeType(parameter.Type, precision)
        || (parameter.Type.SpecialType == SpecialType.System_String && parameter.Name.IndexOf("dtype", StringComparison.OrdinalIgnoreCase) >= 0);

    /// <summary><c>ScalarType</c>, <c>DType</c>, or either made nullable.</summary>
    public static bool IsDtypeType(ITypeSymbol? type, PrecisionContext precision)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        return type is not null && (SymbolEqualityComparer.Default.Equals(type, precision.TorchScalarType) || SymbolEqualityComparer.Default.Equals(type, precision.DType));
    }

    private static bool ReturnsModule(ITypeSymbol type, PrecisionContext precision)
    {
        if (type is INamedTypeSymbol { IsGenericType: true, Name: "Task" or "ValueTask" } task)
        {
            type = task.TypeArguments[0];
        }

        return precision.IsModule(type) || (type is ITypeParameterSymbol parameter && parameter.ConstraintTypes.Any(precision.IsModule));
    }

    private static bool InTorchSharp(INamespaceSymbol? ns)
    {
        for (; ns is not null && !ns.IsGlobalNamespace; ns = ns.ContainingNamespace)
        {
            if (ns.ContainingNamespace is { IsGlobalNamespace: true } && ns.Name == "TorchSharp")
            {
                return true;
            }
        }

        return false;
    }
}
