using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>The one value a local holds, as far as the method it is in shows.</summary>
internal static class LocalValue
{
    /// <summary>
    /// The initializer of the local <paramref name="reference"/> reads, when it is declared with one in this method and never
    /// assigned again nor passed by reference; null otherwise (implicit conversions around the initializer are removed).
    /// </summary>
    public static IOperation? SingleInitializer(ILocalReferenceOperation reference)
    {
        var root = OperationTree.Root(reference);

        var local = reference.Local;
        IOperation? initial = null;
        foreach (var operation in root.Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                    initial = declarator.Initializer?.Value;
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

        initial = ImplicitConversions.StripOrNull(initial);

        return initial;
    }
}
