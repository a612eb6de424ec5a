using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// The model whose generation cache a PREC003 site turns on, as the method shows it: the receiver of
/// <c>model.UseCache = true</c>; for <c>LoadOptions { UseCache = true }</c>, the model <c>CausalLM.Load</c> returns with those
/// options; for GenAI's <c>CausalLMModelInput</c>, the model whose call is given that input (<c>model.forward(input)</c>).
/// Null when the method does not show it.
/// </summary>
internal static class CachedModel
{
    public static ISymbol? Of(IOperation site, PrecisionContext precision)
    {
        if (site is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property })
        {
            if (SymbolEqualityComparer.Default.Equals(property.Property, precision.ModelUseCache))
            {
                return TrainingScope.Model(property.Instance);
            }

            var owner = ImplicitConversions.StripOrNull(property.Instance);
            if (owner is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ImplicitReceiver })
            {
                // In an object initializer or a with expression: the object being built.
                owner = site.Parent;
                while (owner is not null and not (IObjectCreationOperation or IWithOperation))
                {
                    owner = owner.Parent;
                }
            }

            return owner is null ? null : Consumer(owner, precision);
        }

        return site is IObjectCreationOperation creation ? Consumer(creation, precision) : null;
    }

    /// <summary>The model a value (options, a model input) is given to, directly or through a local.</summary>
    private static ISymbol? Consumer(IOperation value, PrecisionContext precision)
    {
        var parent = value.Parent;
        while (parent is IConversionOperation { IsImplicit: true })
        {
            parent = parent.Parent;
        }

        if (parent is IArgumentOperation { Parent: IInvocationOperation call })
        {
            return ModelOf(call, precision);
        }

        var local = value is ILocalReferenceOperation reference ? reference.Local
            : parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } ? declarator.Symbol
            : null;
        if (local is null)
        {
            return null;
        }

        var use = OperationTree.Root(value).Descendants().OfType<IInvocationOperation>()
            .FirstOrDefault(c => c.Arguments.Any(a => ImplicitConversions.Strip(a.Value) is ILocalReferenceOperation l && SymbolEqualityComparer.Default.Equals(l.Local, local)));
        return use is null ? null : ModelOf(use, precision);
    }

    /// <summary>For the runtime's load, the local or member its result goes to; for any other call, its receiver when it is a model.</summary>
    private static ISymbol? ModelOf(IInvocationOperation call, PrecisionContext precision)
    {
        if (precision.IsRuntimeLoad(call.TargetMethod))
        {
            var parent = call.Parent;
            while (parent is IConversionOperation { IsImplicit: true })
            {
                parent = parent.Parent;
            }

            return parent switch
            {
                IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
                ISimpleAssignmentOperation assignment => TrainingScope.Model(assignment.Target),
                _ => null,
            };
        }

        return precision.IsModel(call.Instance?.Type) ? TrainingScope.Model(call.Instance) : null;
    }
}
