using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// The weights a TorchSharp module receives in one method: the paths of the catalogue's loads (<c>module.load(…)</c>, PyBridge's
/// <c>load_*</c>, <c>torch.jit.load(…)</c>) applied to the same module, followed through fluent chains (<c>.to(…)</c>,
/// <c>.half()</c>, <c>.load(…)</c> return the module) and through locals. A module that comes from elsewhere (a parameter, a
/// field, a property, another method's result) has none: what it is, the method does not show.
/// </summary>
internal sealed class ModuleLoads
{
    private readonly PrecisionContext _precision;
    private readonly LoaderCatalogue _catalogue;
    private readonly IOperation _root;
    private readonly List<string?> _paths = [];
    private readonly HashSet<ILocalSymbol> _locals = new(SymbolEqualityComparer.Default);

    private ModuleLoads(IOperation site, PrecisionContext precision, LoaderCatalogue catalogue)
    {
        _precision = precision;
        _catalogue = catalogue;
        _root = OperationTree.Root(site);
    }

    /// <summary>
    /// The paths loaded into the module that <paramref name="conversion"/> (<c>.half()</c>, <c>.to(…)</c>) converts; null for a
    /// load whose path the method does not show.
    /// </summary>
    public static IReadOnlyList<string?> OfConversion(IInvocationOperation conversion, PrecisionContext precision, LoaderCatalogue catalogue)
    {
        var loads = new ModuleLoads(conversion, precision, catalogue);
        if (!loads.Down(Receiver(conversion)))
        {
            return [];
        }

        var top = loads.Up(conversion);
        return AssignedLocal(top) is { } local && !loads.Local(local) ? [] : loads._paths;
    }

    /// <summary>The paths loaded, after <paramref name="site"/> in its method, into modules built in that method (null: not shown).</summary>
    public static IReadOnlyList<string?> After(IInvocationOperation site, PrecisionContext precision, LoaderCatalogue catalogue)
    {
        var paths = new List<string?>();
        var root = new ModuleLoads(site, precision, catalogue)._root;
        foreach (var call in root.Descendants().OfType<IInvocationOperation>())
        {
            if (call.Syntax.SpanStart > site.Syntax.SpanStart && catalogue.Find(call.TargetMethod) is { Kind: "module-load" }
                && new ModuleLoads(site, precision, catalogue).Down(Receiver(call)))
            {
                paths.Add(PathArgument.Of(call));
            }
        }

        return paths;
    }

    /// <summary>The module a call applies to: the receiver, or a static method's first argument (extension methods, users' loaders).</summary>
    public static IOperation? Receiver(IInvocationOperation call) =>
        ImplicitConversions.StripOrNull(call.Instance ?? call.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value);

    /// <summary>Follows a module expression down its chain, collecting load paths: whether the module is built in this method.</summary>
    private bool Down(IOperation? module)
    {
        for (var current = ImplicitConversions.StripOrNull(module); current is not null;)
        {
            switch (current)
            {
                case IInvocationOperation call when _catalogue.Find(call.TargetMethod) is { } entry && entry.Kind != "dtype-param":
                    Add(PathArgument.Of(call));
                    if (entry.Kind is "result-load" or "traced-load")
                    {
                        return true;
                    }

                    current = Receiver(call);
                    break;
                case IInvocationOperation call when IsFluent(call):
                    current = Receiver(call);
                    break;
                case IInvocationOperation factory:
                    return SymbolEqualityComparer.Default.Equals(factory.TargetMethod.ContainingType, _precision.TorchNn);
                case IObjectCreationOperation creation:
                    return _precision.IsModule(creation.Type);
                case ILocalReferenceOperation local:
                    return Local(local.Local);
                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>Follows a module up the chain its expression starts (<c>m.half().load(…)</c>), collecting load paths; returns the chain's top.</summary>
    private IOperation Up(IOperation module)
    {
        var top = module;
        while (true)
        {
            var parent = top.Parent;
            while (parent is IConversionOperation { IsImplicit: true } or IArgumentOperation)
            {
                parent = parent.Parent;
            }

            if (parent is not IInvocationOperation call || !ReferenceEquals(Receiver(call), top))
            {
                return top;
            }

            if (_catalogue.Find(call.TargetMethod) is { Kind: "module-load" })
            {
                Add(PathArgument.Of(call));
            }
            else if (!IsFluent(call))
            {
                return top;
            }

            top = call;
        }
    }

    /// <summary>A local: built in this method when every value it is given is; the loads applied to it are collected.</summary>
    private bool Local(ILocalSymbol local)
    {
        if (!_locals.Add(local))
        {
            return true;
        }

        var given = false;
        foreach (var operation in _root.Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local) && declarator.Initializer is { } initializer:
                    given = true;
                    if (!Down(initializer.Value))
                    {
                        return false;
                    }

                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when SymbolEqualityComparer.Default.Equals(target.Local, local):
                    given = true;
                    if (!Down(assignment.Value))
                    {
                        return false;
                    }

                    break;
                case IInvocationOperation call when _catalogue.Find(call.TargetMethod) is { Kind: "module-load" } && Base(Receiver(call)) is ILocalReferenceOperation loaded
                                                    && SymbolEqualityComparer.Default.Equals(loaded.Local, local):
                    Add(PathArgument.Of(call));
                    break;
            }
        }

        return given;
    }

    /// <summary>The start of a fluent chain of conversions and loads (<c>m.to(device).load(p)</c> → <c>m</c>).</summary>
    public static IOperation? Base(IOperation? module, PrecisionContext precision, LoaderCatalogue catalogue)
    {
        var current = ImplicitConversions.StripOrNull(module);
        while (current is IInvocationOperation call && (IsFluent(call, precision) || catalogue.Find(call.TargetMethod) is { Kind: "module-load" }))
        {
            current = Receiver(call);
        }

        return current;
    }

    /// <summary>TorchSharp's module extension methods (<c>to</c>, <c>half</c>, <c>cuda</c>, …) return the module they convert.</summary>
    public static bool IsFluent(IInvocationOperation call, PrecisionContext precision) => SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, precision.TorchModuleExtensions);

    private IOperation? Base(IOperation? module) => Base(module, _precision, _catalogue);

    private bool IsFluent(IInvocationOperation call) => IsFluent(call, _precision);

    private void Add(string? path) => _paths.Add(path);

    private static ILocalSymbol? AssignedLocal(IOperation top)
    {
        var parent = top.Parent;
        while (parent is IConversionOperation { IsImplicit: true })
        {
            parent = parent.Parent;
        }

        return parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } => target.Local,
            _ => null,
        };
    }
}
