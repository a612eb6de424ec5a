using Microsoft.CodeAnalysis;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>The operation tree an operation belongs to: the body the compiler already bound, walked instead of asking the semantic model again.</summary>
internal static class OperationTree
{
    /// <summary>The root of <paramref name="operation"/>'s tree: its method's (or lambda's, initializer's) whole body.</summary>
    public static IOperation Root(IOperation operation)
    {
        while (operation.Parent is not null)
        {
            operation = operation.Parent;
        }

        return operation;
    }
}
