using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// Whether the dtype of the TorchSharp module a load applies to is chosen in the method: true, false, or null when the module
/// comes from elsewhere (a parameter, a field, another method's result). Chosen means a <c>dtype:</c> argument where it is
/// built (<c>torch.nn.Linear(…, dtype:)</c>), a constructor argument that carries a dtype (a <c>ScalarType</c>/<c>DType</c>, or a
/// configuration object with a dtype member), <c>torch.set_default_dtype</c> before the module is built, or a conversion
/// (<c>.to(ScalarType…)</c>, <c>.half()</c>, <c>.bfloat16()</c>, <c>.float()</c>, <c>.double()</c>) of the module anywhere in the
/// method. A local reassigned from itself (<c>m = m.to(device)</c>) stays the module it was.
/// </summary>
internal sealed class ModuleDtype
{
    private static readonly string[] Conversions = ["to", "half", "bfloat16", "float", "double"];

    private readonly IOperation _root;
    private readonly PrecisionContext _precision;
    private readonly LoaderCatalogue _catalogue;
    private readonly HashSet<ILocalSymbol> _seen = new(SymbolEqualityComparer.Default);

    public ModuleDtype(IOperation site, PrecisionContext precision, LoaderCatalogue catalogue)
    {
        _precision = precision;
        _catalogue = catalogue;
        _root = site;
        while (_root.Parent is not null)
        {
            _root = _root.Parent;
        }
    }

    /// <summary>The module a call applies to: the receiver, or a static method's first argument (extension methods).</summary>
    public static IOperation? Receiver(IInvocationOperation call) =>
        ImplicitConversions.StripOrNull(call.Instance ?? call.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value);

    public bool? Chosen(IOperation? module)
    {
        switch (ImplicitConversions.StripOrNull(module))
        {
            case IInvocationOperation call when IsConversion(call):
                return true;
            case IInvocationOperation call when IsFluent(call) || _catalogue.Find(call.TargetMethod) is { Kind: "module-load" }:
                return Chosen(Receiver(call)); // m.to(device), new Net().load(a): the same module
            case IInvocationOperation factory when SymbolEqualityComparer.Default.Equals(factory.TargetMethod.ContainingType, _precision.TorchNn):
                return HasDtypeArgument(factory.Arguments) || DefaultDtypeBefore(factory);
            case IObjectCreationOperation creation when _precision.IsModule(creation.Type):
                return CarriesDtype(creation) || DefaultDtypeBefore(creation);
            case ILocalReferenceOperation local:
                return LocalChosen(local.Local);
            default:
                return null;
        }
    }

    /// <summary><c>….load(path).to(ScalarType…)</c>: converted right where it is loaded.</summary>
    public bool ConvertedAt(IInvocationOperation load)
    {
        var parent = load.Parent is IArgumentOperation argument ? argument.Parent : load.Parent;
        parent = parent is IConversionOperation conversion ? conversion.Parent is IArgumentOperation a ? a.Parent : conversion.Parent : parent;
        return parent is IInvocationOperation call && IsConversion(call);
    }

    /// <summary>For a <c>result-load</c> of the user's list: whether the loaded module, kept in a local, is converted in the method.</summary>
    public bool ResultConverted(IInvocationOperation load)
    {
        var parent = load.Parent is IConversionOperation conversion ? conversion.Parent : load.Parent;
        var local = parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } ? declarator.Symbol : null;
        return local is not null && _root.Descendants().OfType<IInvocationOperation>().Any(call =>
            IsConversion(call) && Receiver(call) is ILocalReferenceOperation converted && SymbolEqualityComparer.Default.Equals(converted.Local, local));
    }

    /// <summary>A local: chosen when it is converted anywhere in the method or any value it is given is; null when a value comes from elsewhere.</summary>
    private bool? LocalChosen(ILocalSymbol local)
    {
        if (!_seen.Add(local))
        {
            return false;
        }

        var values = new List<IOperation>();
        foreach (var operation in _root.Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local) && declarator.Initializer is { } initializer:
                    values.Add(initializer.Value);
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when SymbolEqualityComparer.Default.Equals(target.Local, local):
                    values.Add(assignment.Value);
                    break;
                case IInvocationOperation call when IsConversion(call) && Base(Receiver(call)) is ILocalReferenceOperation converted
                                                   && SymbolEqualityComparer.Default.Equals(converted.Local, local):
                    return true;
            }
        }

        bool? result = values.Count == 0 ? null : false;
        foreach (var value in values)
        {
            var chosen = Chosen(value); // m = m.to(device) leads back to this local: false, so the other values decide
            if (chosen == true)
            {
                return true;
            }

            if (chosen is null)
            {
                result = null;
            }
        }

        return result;
    }

    /// <summary>
    /// A module type's constructor given a dtype: a <c>ScalarType</c>/<c>DType</c> argument, or an object (a configuration)
    /// whose type has a dtype member. A dtype parameter left to its default is not a choice.
    /// </summary>
    private bool CarriesDtype(IObjectCreationOperation creation)
    {
        foreach (var argument in creation.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue || ImplicitConversions.Strip(argument.Value).ConstantValue is { HasValue: true, Value: null })
            {
                continue;
            }

            if (LoaderShape.IsDtypeType(argument.Parameter?.Type, _precision) || HasDtypeMember(ImplicitConversions.Strip(argument.Value).Type))
            {
                return true;
            }
        }

        return false;
    }

    private bool HasDtypeMember(ITypeSymbol? type)
    {
        for (var current = type; current is not null && current.SpecialType == SpecialType.None; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                var memberType = member switch
                {
                    IPropertySymbol property => property.Type,
                    IFieldSymbol field => field.Type,
                    _ => null,
                };
                if (LoaderShape.IsDtypeType(memberType, _precision)
                    || (memberType?.SpecialType == SpecialType.System_String && member.Name.IndexOf("dtype", System.StringComparison.OrdinalIgnoreCase) >= 0))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Whether <c>torch.set_default_dtype</c> is called in the method before <paramref name="creation"/>.</summary>
    private bool DefaultDtypeBefore(IOperation creation) =>
        _root.Descendants().OfType<IInvocationOperation>().Any(call =>
            call.Syntax.SpanStart < creation.Syntax.SpanStart && call.TargetMethod.Name == "set_default_dtype"
            && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, _precision.TorchStatic));

    private static bool HasDtypeArgument(IEnumerable<IArgumentOperation> arguments) =>
        arguments.Any(a => a.Parameter?.Name == "dtype" && a.ArgumentKind != ArgumentKind.DefaultValue && !(ImplicitConversions.Strip(a.Value).ConstantValue is { HasValue: true, Value: null }));

    /// <summary>The start of a fluent chain of module extension methods and loads (<c>m.to(device).load(p)</c> → <c>m</c>).</summary>
    private IOperation? Base(IOperation? module)
    {
        var current = ImplicitConversions.StripOrNull(module);
        while (current is IInvocationOperation call && (IsFluent(call) || _catalogue.Find(call.TargetMethod) is { Kind: "module-load" }))
        {
            current = Receiver(call);
        }

        return current;
    }

    /// <summary>A module conversion that fixes its dtype: <c>.to(…ScalarType…)</c>, <c>.half()</c>, <c>.bfloat16()</c>, <c>.float()</c>, <c>.double()</c>.</summary>
    public bool IsConversion(IInvocationOperation call) =>
        Conversions.Contains(call.TargetMethod.Name)
        && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, _precision.TorchModuleExtensions)
        && (call.TargetMethod.Name != "to" || call.TargetMethod.Parameters.Any(p => SymbolEqualityComparer.Default.Equals(p.Type, _precision.TorchScalarType)));

    /// <summary>TorchSharp's module extension methods (<c>to</c>, <c>cuda</c>, <c>train</c>, …) return the module they apply to.</summary>
    private bool IsFluent(IInvocationOperation call) => SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, _precision.TorchModuleExtensions);
}
