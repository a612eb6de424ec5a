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
        _root = OperationTree.Root(site);
    }

    /// <summary>The module a call applies to (<see cref="ModuleLoads.Receiver"/>).</summary>
    public static IOperation? Receiver(IInvocationOperation call) => ModuleLoads.Receiver(call);

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
                return ConstructorDtype(creation) switch
                {
                    Given.Chosen => true,
                    Given.NotChosen => false,
                    Given.Unknown => null,
                    _ => DefaultDtypeBefore(creation),
                };
            case ILocalReferenceOperation local:
                return LocalChosen(local.Local);
            case IInstanceReferenceOperation self when _precision.IsModule(self.Type):
                return OwnDtype(self);
            default:
                return null;
        }
    }

    /// <summary>
    /// A module loading weights into itself (<c>this.load_safetensors(path)</c> in its own <c>LoadWeights</c>): its dtype is
    /// chosen when its constructors take one (a <c>ScalarType</c>/<c>DType</c>, or a configuration with a dtype member) or the
    /// type converts itself somewhere; unknown when it calls <c>set_default_dtype</c> or is declared in another file; not
    /// chosen otherwise, as its layers are then built in TorchSharp's default FP32.
    /// </summary>
    private bool? OwnDtype(IInstanceReferenceOperation self)
    {
        if (self.Type is not INamedTypeSymbol type || self.SemanticModel is not { } model)
        {
            return null;
        }

        if (type.InstanceConstructors.Any(c => c.Parameters.Any(p => LoaderShape.IsDtypeType(p.Type, _precision) || HasDtypeMember(p.Type))))
        {
            return null; // the caller passes the dtype in: chosen there, or not, out of this method's sight
        }

        var tree = self.Syntax.SyntaxTree;
        if (type.DeclaringSyntaxReferences.Length != 1 || type.DeclaringSyntaxReferences[0].SyntaxTree != tree)
        {
            return null;
        }

        foreach (var syntax in type.DeclaringSyntaxReferences[0].GetSyntax().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax>())
        {
            var name = SyntaxFilter.InvokedName(syntax);
            if (name is not ("to" or "half" or "bfloat16" or "float" or "double" or "set_default_dtype") || model.GetOperation(syntax) is not IInvocationOperation call)
            {
                continue;
            }

            if (name == "set_default_dtype" && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, _precision.TorchStatic))
            {
                return null;
            }

            if (IsConversion(call) && Receiver(call) is IInstanceReferenceOperation)
            {
                return true;
            }
        }

        return false;
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

    /// <summary>What a module's constructor is given about its dtype.</summary>
    private enum Given
    {
        /// <summary>Nothing: <c>set_default_dtype</c> before it decides.</summary>
        Nothing,
        Chosen,
        NotChosen,
        Unknown,
    }

    /// <summary>
    /// What a module type's constructor is given: a <c>ScalarType</c>/<c>DType</c> argument, or a configuration object (a type
    /// with a dtype member) whose dtype the method sets, is a choice; a configuration whose dtype the method never sets is not
    /// (the class's own default decides, whatever <c>set_default_dtype</c> says); a configuration from elsewhere (a parameter,
    /// a field, a project's own method) is unknown.
    /// </summary>
    private Given ConstructorDtype(IObjectCreationOperation creation)
    {
        var result = Given.Nothing;
        foreach (var argument in creation.Arguments)
        {
            var value = ImplicitConversions.Strip(argument.Value);
            if (argument.ArgumentKind == ArgumentKind.DefaultValue || value.ConstantValue is { HasValue: true, Value: null })
            {
                continue;
            }

            if (LoaderShape.IsDtypeType(argument.Parameter?.Type, _precision))
            {
                return Given.Chosen;
            }

            if (HasDtypeMember(value.Type))
            {
                switch (ConfigDtype(value))
                {
                    case true:
                        return Given.Chosen;
                    case false:
                        result = result == Given.Unknown ? Given.Unknown : Given.NotChosen;
                        break;
                    default:
                        result = Given.Unknown;
                        break;
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Whether a configuration object's dtype is set in the method: true when its initializer or an assignment sets a dtype
    /// member; false when it is built here (<c>new</c>, or deserialized) and none is set; null when it comes from elsewhere.
    /// </summary>
    private bool? ConfigDtype(IOperation config)
    {
        switch (config)
        {
            case IObjectCreationOperation creation:
                return SetsDtype(creation.Initializer);
            case ILocalReferenceOperation local:
            {
                bool? built = null;
                foreach (var operation in _root.Descendants())
                {
                    switch (operation)
                    {
                        case ISimpleAssignmentOperation { Target: IMemberReferenceOperation { Instance: ILocalReferenceOperation owner } member }
                            when SymbolEqualityComparer.Default.Equals(owner.Local, local.Local) && IsDtypeMember(member.Member):
                            return true;
                        case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local.Local):
                            built = ImplicitConversions.StripOrNull(declarator.Initializer?.Value) switch
                            {
                                IObjectCreationOperation creation => SetsDtype(creation.Initializer) ? true : false,
                                ICoalesceOperation { Value: IInvocationOperation { TargetMethod.Name: "Deserialize" } } => false,
                                IInvocationOperation { TargetMethod.Name: "Deserialize" } => false,
                                _ => null,
                            };
                            if (built == true)
                            {
                                return true;
                            }

                            break;
                    }
                }

                return built;
            }

            default:
                return null;
        }
    }

    private bool SetsDtype(IObjectOrCollectionInitializerOperation? initializer) =>
        initializer?.Initializers.OfType<ISimpleAssignmentOperation>().Any(a => a.Target is IMemberReferenceOperation member && IsDtypeMember(member.Member)) == true;

    private bool IsDtypeMember(ISymbol member)
    {
        var type = member switch
        {
            IPropertySymbol property => property.Type,
            IFieldSymbol field => field.Type,
            _ => null,
        };
        return LoaderShape.IsDtypeType(type, _precision)
            || (type?.SpecialType == SpecialType.System_String && member.Name.IndexOf("dtype", System.StringComparison.OrdinalIgnoreCase) >= 0);
    }

    private bool HasDtypeMember(ITypeSymbol? type)
    {
        for (var current = type; current is not null && current.SpecialType == SpecialType.None; current = current.BaseType)
        {
            if (current.GetMembers().Any(IsDtypeMember))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the method saves a module (<c>Module.save</c>, PyBridge's <c>save_py</c>/<c>save_safetensors</c>) before
    /// <paramref name="load"/>: a round trip of the program's own state, in the dtype it was saved in.
    /// </summary>
    public bool SavesBefore(IInvocationOperation load) =>
        _root.Descendants().OfType<IInvocationOperation>().Any(call =>
            call.Syntax.SpanStart < load.Syntax.SpanStart && call.TargetMethod.Name is "save" or "save_py" or "save_safetensors" or "save_checkpoint"
            && (SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, _precision.TorchModule)
                || call.TargetMethod.ContainingType?.ContainingNamespace is { Name: "PyBridge", ContainingNamespace.Name: "TorchSharp" }));

    /// <summary>Whether <c>torch.set_default_dtype</c> is called in the method before <paramref name="creation"/>.</summary>
    private bool DefaultDtypeBefore(IOperation creation) =>
        _root.Descendants().OfType<IInvocationOperation>().Any(call =>
            call.Syntax.SpanStart < creation.Syntax.SpanStart && call.TargetMethod.Name == "set_default_dtype"
            && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, _precision.TorchStatic));

    private static bool HasDtypeArgument(IEnumerable<IArgumentOperation> arguments) =>
        arguments.Any(a => a.Parameter?.Name == "dtype" && a.ArgumentKind != ArgumentKind.DefaultValue && !(ImplicitConversions.Strip(a.Value).ConstantValue is { HasValue: true, Value: null }));

    private IOperation? Base(IOperation? module) => ModuleLoads.Base(module, _precision, _catalogue);

    /// <summary>A module conversion that fixes its dtype: <c>.to(…ScalarType…)</c>, <c>.half()</c>, <c>.bfloat16()</c>, <c>.float()</c>, <c>.double()</c>.</summary>
    public bool IsConversion(IInvocationOperation call) =>
        Conversions.Contains(call.TargetMethod.Name)
        && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, _precision.TorchModuleExtensions)
        && (call.TargetMethod.Name != "to" || call.TargetMethod.Parameters.Any(p => SymbolEqualityComparer.Default.Equals(p.Type, _precision.TorchScalarType)));

    private bool IsFluent(IInvocationOperation call) => ModuleLoads.IsFluent(call, _precision);
}
