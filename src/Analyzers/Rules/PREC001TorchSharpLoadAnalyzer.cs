using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers.Rules;

/// <summary>
/// PREC001 on TorchSharp's loading surface: <c>Module.load(…)</c> on a module built in the same method whose dtype is never
/// chosen there (no <c>dtype:</c> at construction, no <c>.to(ScalarType…)</c>, <c>.half()</c>, <c>.bfloat16()</c>,
/// <c>.float()</c>, no <c>torch.set_default_dtype</c>), and <c>torch.jit.load(…)</c> whose module is never converted. A module
/// that comes from elsewhere (a parameter, a field, a method's result) is not flagged. TorchSharp's <c>Module.load</c> throws
/// on a dtype mismatch rather than converting, so the question is whether the module's dtype was chosen at all.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PREC001TorchSharpLoadAnalyzer : PrecisionAnalyzer
{
    private static readonly string[] Conversions = ["to", "half", "bfloat16", "float"];

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RuleDescriptors.MissingDtype);

    internal override bool Applies(PrecisionContext precision) => precision.HasTorchSharp;

    internal override void Register(CompilationStartAnalysisContext start, PrecisionContext precision)
    {
        var catalogue = LoaderCatalogue.Create(start.Options, start.CancellationToken);
        var configs = ModelConfigs.Create(start.Options);
        start.RegisterSyntaxNodeAction(c => Analyze(c, precision, catalogue, configs), SyntaxKind.InvocationExpression);
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, PrecisionContext precision, LoaderCatalogue catalogue, ModelConfigs configs)
    {
        if (SyntaxFilter.InvokedName((InvocationExpressionSyntax)context.Node) is not { } invoked || !catalogue.MethodNames.Contains(invoked)
            || context.SemanticModel.GetOperation(context.Node, context.CancellationToken) is not IInvocationOperation invocation
            || catalogue.Find(invocation.TargetMethod) is not { } loader
            || SetsDefaultDtype(invocation, precision))
        {
            return;
        }

        bool? chosen = loader.Kind switch
        {
            "module-load" => ConvertedAfter(invocation, precision) ? true : Chosen(Receiver(invocation), invocation, precision),
            "result-load" => ConvertedAfter(invocation, precision) || ResultConverted(invocation, precision),
            _ => invocation.Arguments.Any(a => a.Parameter?.Name == loader.Parameter && a.ArgumentKind != ArgumentKind.DefaultValue),
        };
        if (chosen != false)
        {
            return;
        }

        var dtypeParameter = loader.Kind == "dtype-param";
        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(PREC001MissingDtypeAnalyzer.FixProperty, (dtypeParameter ? MissingDtypeFix.AddDtypeArgument : MissingDtypeFix.AppendConversion).ToString())
            .Add(PREC001MissingDtypeAnalyzer.ParameterProperty, loader.Parameter);
        var name = invocation.TargetMethod.Name;
        for (var type = invocation.TargetMethod.ContainingType; type is not null; type = type.ContainingType)
        {
            name = type.Name + "." + name; // torch.jit.load, torch.nn.Module.load
        }

        var size = ModelHint.SizeOf(PathArgument.Of(invocation), configs, context.Options, context.Node.SyntaxTree) is { } known ? "; " + known : string.Empty;
        var consequence = dtypeParameter ? $" (without {loader.Parameter}: the library's default decides{size})" : $" (the module stays in TorchSharp's default FP32{size})";
        var advice = dtypeParameter
            ? $"pass {loader.Parameter}: ScalarType.BFloat16 (or Float32)"
            : loader.Kind == "result-load"
                ? "convert it with .to(ScalarType.BFloat16) or .to(ScalarType.Float32)"
                : "build the module with dtype:, or convert it after loading with .to(ScalarType.BFloat16) or .to(ScalarType.Float32)";
        context.ReportDiagnostic(Diagnostic.Create(
            RuleDescriptors.MissingDtype, PREC001MissingDtypeAnalyzer.NameLocation(invocation), new[] { invocation.Syntax.GetLocation() }, properties, name, consequence, advice));
    }

    /// <summary>Whether a module's dtype was chosen: true, false, or null when it comes from elsewhere.</summary>
    private static bool? Chosen(IOperation? module, IInvocationOperation load, PrecisionContext precision)
    {
        switch (ImplicitConversions.StripOrNull(module))
        {
            case IInvocationOperation call when IsConversion(call, precision):
                return true;
            case IInvocationOperation factory when SymbolEqualityComparer.Default.Equals(factory.TargetMethod.ContainingType, precision.TorchNn):
                return HasDtypeArgument(factory);
            case IObjectCreationOperation creation when precision.IsModule(creation.Type):
                return HasDtypeArgument(creation);
            case ILocalReferenceOperation local:
                return LocalChosen(local.Local, load, precision);
            default:
                return null;
        }
    }

    private static bool? LocalChosen(ILocalSymbol local, IInvocationOperation load, PrecisionContext precision)
    {
        IOperation? initial = null;
        foreach (var operation in Root(load).Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                    initial = declarator.Initializer?.Value;
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when SymbolEqualityComparer.Default.Equals(target.Local, local):
                    initial = assignment.Value;
                    break;
                case IInvocationOperation call when IsConversion(call, precision) && ImplicitConversions.StripOrNull(Receiver(call)) is ILocalReferenceOperation converted
                                                   && SymbolEqualityComparer.Default.Equals(converted.Local, local):
                    return true;
            }
        }

        return initial is null || initial is ILocalReferenceOperation ? null : Chosen(initial, load, precision);
    }

    /// <summary>For <c>torch.jit.load</c>: whether the loaded module, kept in a local, is converted in the method.</summary>
    private static bool ResultConverted(IInvocationOperation load, PrecisionContext precision)
    {
        var parent = load.Parent is IConversionOperation conversion ? conversion.Parent : load.Parent;
        var local = parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } ? declarator.Symbol : null;
        return local is not null && Root(load).Descendants().OfType<IInvocationOperation>().Any(call =>
            IsConversion(call, precision) && ImplicitConversions.StripOrNull(Receiver(call)) is ILocalReferenceOperation converted && SymbolEqualityComparer.Default.Equals(converted.Local, local));
    }

    /// <summary><c>….load(path).to(ScalarType…)</c>: converted right where it is loaded.</summary>
    private static bool ConvertedAfter(IInvocationOperation load, PrecisionContext precision)
    {
        var parent = load.Parent is IArgumentOperation argument ? argument.Parent : load.Parent;
        parent = parent is IConversionOperation conversion ? conversion.Parent is IArgumentOperation a ? a.Parent : conversion.Parent : parent;
        return parent is IInvocationOperation call && IsConversion(call, precision);
    }

    private static bool SetsDefaultDtype(IInvocationOperation load, PrecisionContext precision) =>
        Root(load).Descendants().OfType<IInvocationOperation>().Any(call =>
            call.TargetMethod.Name == "set_default_dtype" && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, precision.TorchStatic));

    /// <summary>A module conversion that fixes its dtype: <c>.to(…ScalarType…)</c>, <c>.half()</c>, <c>.bfloat16()</c>, <c>.float()</c>.</summary>
    private static bool IsConversion(IInvocationOperation call, PrecisionContext precision) =>
        Conversions.Contains(call.TargetMethod.Name)
        && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, precision.TorchModuleExtensions)
        && (call.TargetMethod.Name != "to" || call.TargetMethod.Parameters.Any(p => SymbolEqualityComparer.Default.Equals(p.Type, precision.TorchScalarType)));

    private static bool HasDtypeArgument(IInvocationOperation call) =>
        call.Arguments.Any(a => a.Parameter?.Name == "dtype" && a.ArgumentKind != ArgumentKind.DefaultValue && !(ImplicitConversions.Strip(a.Value).ConstantValue is { HasValue: true, Value: null }));

    private static bool HasDtypeArgument(IObjectCreationOperation creation) =>
        creation.Arguments.Any(a => a.Parameter?.Name == "dtype" && a.ArgumentKind != ArgumentKind.DefaultValue);

    /// <summary>The module a conversion applies to: the extension method's first argument.</summary>
    private static IOperation? Receiver(IInvocationOperation call) => call.Instance ?? call.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value;

    private static IOperation Root(IOperation operation)
    {
        while (operation.Parent is not null)
        {
            operation = operation.Parent;
        }

        return operation;
    }
}
