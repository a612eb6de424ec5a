using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>How a load call's dtype was chosen, as far as the method it is in shows.</summary>
internal enum DtypeChoice
{
    /// <summary>Set to a value (see <see cref="LoadCall.DtypeValue"/>).</summary>
    Set,

    /// <summary>Never set: no options, null options, or options whose Dtype is never assigned in this method.</summary>
    NotSet,

    /// <summary>The options come from elsewhere (a parameter, a field, a call): their dtype may have been chosen there.</summary>
    Unknown,
}

/// <summary>What the fixer of PREC001 must edit.</summary>
internal enum MissingDtypeFix
{
    None,
    AddOptionsArgument,
    ReplaceNullOptions,
    AddToInitializer,

    /// <summary>Append <c>.to(ScalarType.…)</c> to a TorchSharp load call.</summary>
    AppendConversion,

    /// <summary>Add the loader's dtype parameter as a named argument (<c>torchDtype: ScalarType.…</c>).</summary>
    AddDtypeArgument,
}

/// <summary>One call of <c>CausalLM.Load</c> or <c>SentenceEncoder.Load</c>, resolved: its path literal and its dtype choice.</summary>
internal sealed class LoadCall
{
    private LoadCall(IInvocationOperation invocation, string? path, DtypeChoice choice, IOperation? dtypeValue, MissingDtypeFix fix, SyntaxNode? fixTarget, string? device = null)
    {
        Device = device;
        Invocation = invocation;
        Path = path;
        Choice = choice;
        DtypeValue = dtypeValue;
        Fix = fix;
        FixTarget = fixTarget;
    }

    public IInvocationOperation Invocation { get; }

    /// <summary>The options' <c>Device</c> when it is a constant set where the dtype is (e.g. <c>"cuda"</c>), or null.</summary>
    public string? Device { get; }

    /// <summary>The path argument's value when known (a constant, or a local initialised with one: <see cref="PathArgument"/>), or null.</summary>
    public string? Path { get; }

    public DtypeChoice Choice { get; }

    /// <summary>The value Dtype is set to, when <see cref="Choice"/> is <see cref="DtypeChoice.Set"/>.</summary>
    public IOperation? DtypeValue { get; }

    public MissingDtypeFix Fix { get; }

    /// <summary>The node the fixer edits: the argument list, the null literal, or the object creation.</summary>
    public SyntaxNode? FixTarget { get; }

    /// <summary>
    /// Where a diagnostic about the dtype goes: at <paramref name="used"/> (the value given to Dtype) when it is inside this
    /// call, else at the options argument, so that a diagnostic of this call stays inside it (the IDE offers fixes only for
    /// those); with <paramref name="chosen"/> (where the dtype is written, which a fix changes) as an additional location
    /// when that is elsewhere.
    /// </summary>
    public (Location At, Location? ChosenAt) Locate(SyntaxNode used, SyntaxNode chosen, PrecisionContext context)
    {
        var load = Invocation.Syntax;
        var at = load.Span.Contains(used.Span)
            ? used
            : Invocation.Arguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter?.Type, context.LoadOptions) && a.ArgumentKind != ArgumentKind.DefaultValue)?.Syntax ?? load;
        return (at.GetLocation(), at == chosen ? null : chosen.GetLocation());
    }

    public static LoadCall Inspect(IInvocationOperation invocation, PrecisionContext context)
    {
        var path = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0) is { } first ? PathArgument.Resolve(first.Value) : null;
        var options = invocation.Arguments.FirstOrDefault(a => a.Parameter is { } p && SymbolEqualityComparer.Default.Equals(p.Type, context.LoadOptions));
        if (options is null || options.ArgumentKind == ArgumentKind.DefaultValue)
        {
            return new LoadCall(invocation, path, DtypeChoice.NotSet, null, MissingDtypeFix.AddOptionsArgument, invocation.Syntax);
        }

        var (choice, value, fix, target) = Resolve(options.Value, invocation, context, depth: 0);
        var assigned = value?.Parent;
        while (assigned is IConversionOperation { IsImplicit: true })
        {
            assigned = assigned.Parent; // Dtype is DType?: the value arrives through an implicit conversion
        }

        var device = assigned is ISimpleAssignmentOperation { Parent: IObjectOrCollectionInitializerOperation initializer }
            ? initializer.Initializers.OfType<ISimpleAssignmentOperation>()
                .Where(a => a.Target is IPropertyReferenceOperation p && p.Property.Name == "Device" && SymbolEqualityComparer.Default.Equals(p.Property.ContainingType, context.LoadOptions))
                .Select(a => a.Value.ConstantValue is { HasValue: true, Value: string text } ? text : null)
                .LastOrDefault()
            : null;
        return new LoadCall(invocation, path, choice, value, fix, target, device);
    }

    private static (DtypeChoice, IOperation?, MissingDtypeFix, SyntaxNode?) Resolve(IOperation value, IInvocationOperation invocation, PrecisionContext context, int depth)
    {
        value = ImplicitConversions.Strip(value);
        if (depth > 4)
        {
            return (DtypeChoice.Unknown, null, MissingDtypeFix.None, null);
        }

        if (value.ConstantValue is { HasValue: true, Value: null })
        {
            return (DtypeChoice.NotSet, null, MissingDtypeFix.ReplaceNullOptions, value.Syntax);
        }

        switch (value)
        {
            case IObjectCreationOperation creation when SymbolEqualityComparer.Default.Equals(creation.Type, context.LoadOptions):
                return FromInitializer(creation.Initializer, context) is { } set
                    ? Choose(set)
                    : (DtypeChoice.NotSet, null, MissingDtypeFix.AddToInitializer, creation.Syntax);

            case IWithOperation with:
                return FromInitializer(with.Initializer, context) is { } assigned
                    ? Choose(assigned)
                    : Resolve(with.Operand, invocation, context, depth + 1);

            case ILocalReferenceOperation local:
                return FromLocal(local.Local, invocation, context, depth);

            default:
                return (DtypeChoice.Unknown, null, MissingDtypeFix.None, null);
        }
    }

    /// <summary>A local: its initializer, unless the method assigns the local or its Dtype elsewhere (then it follows those).</summary>
    private static (DtypeChoice, IOperation?, MissingDtypeFix, SyntaxNode?) FromLocal(ILocalSymbol local, IInvocationOperation invocation, PrecisionContext context, int depth)
    {
        // The operation tree of the enclosing body is already built: walk it, rather than asking the semantic model node by node.
        var root = OperationTree.Root(invocation);

        IOperation? initial = null;
        var assignments = 0;
        foreach (var operation in root.Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                    initial = declarator.Initializer?.Value;
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when SymbolEqualityComparer.Default.Equals(target.Local, local):
                    initial = assignment.Value;
                    assignments++;
                    break;
                case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Instance: ILocalReferenceOperation instance } property } set
                    when SymbolEqualityComparer.Default.Equals(instance.Local, local) && SymbolEqualityComparer.Default.Equals(property.Property, context.Dtype):
                    return Choose(set.Value);
                case IArgumentOperation { Value: ILocalReferenceOperation passed, Parameter.RefKind: not RefKind.None }
                    when SymbolEqualityComparer.Default.Equals(passed.Local, local):
                    return (DtypeChoice.Unknown, null, MissingDtypeFix.None, null);
            }
        }

        if (initial is null || assignments > 1)
        {
            return (DtypeChoice.Unknown, null, MissingDtypeFix.None, null);
        }

        return Resolve(initial, invocation, context, depth + 1);
    }

    private static IOperation? FromInitializer(IObjectOrCollectionInitializerOperation? initializer, PrecisionContext context) =>
        initializer?.Initializers
            .OfType<ISimpleAssignmentOperation>()
            .Where(a => a.Target is IPropertyReferenceOperation p && SymbolEqualityComparer.Default.Equals(p.Property, context.Dtype))
            .Select(a => a.Value)
            .LastOrDefault();

    private static (DtypeChoice, IOperation?, MissingDtypeFix, SyntaxNode?) Choose(IOperation value) =>
        ImplicitConversions.Strip(value).ConstantValue is { HasValue: true, Value: null }
            ? (DtypeChoice.NotSet, null, MissingDtypeFix.None, null)
            : (DtypeChoice.Set, ImplicitConversions.Strip(value), MissingDtypeFix.None, null);
}
