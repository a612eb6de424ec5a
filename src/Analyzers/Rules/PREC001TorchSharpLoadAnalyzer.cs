using System.Collections.Immutable;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers.Rules;

/// <summary>
/// PREC001 on TorchSharp's loading surface, where weights whose dtype is foreign to the module arrive and nothing in the code
/// fixes the module's dtype:
/// <list type="bullet">
/// <item>TorchSharp.PyBridge's <c>load_safetensors</c>/<c>load_py</c>/<c>load_checkpoint</c> (Hugging Face checkpoints, cast
/// silently to the module's dtype) on a module built in the method without a dtype;</item>
/// <item>a loader called without its dtype argument (GenAI's <c>FromPretrained</c>, a project's own loader of the same shape:
/// <see cref="LoaderShape"/>), whose default then decides;</item>
/// <item><c>Module.load</c> only with evidence of a dtype mismatch (its path names a half dtype, or its folder's config.json
/// gives a half <c>torch_dtype</c>): <c>Module.load</c> reads TorchSharp's own format and throws on a mismatch, so a program
/// reloading what it saved, or FP32 weights exported for the module, have nothing to fix.</item>
/// </list>
/// How a module's dtype counts as chosen is <see cref="ModuleDtype"/>'s. A module from elsewhere (a parameter, a field,
/// another method's result) is not reported. <c>torch.jit.load</c> is not reported: a TorchScript module keeps the dtype it
/// was saved with.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PREC001TorchSharpLoadAnalyzer : PrecisionAnalyzer
{
    /// <summary>Diagnostic property: the dtype parameter's type for <see cref="MissingDtypeFix.AddDtypeArgument"/>: <c>ScalarType</c>, <c>DType</c> or <c>String</c>.</summary>
    public const string ParameterTypeProperty = "ParameterType";

    private static readonly Regex HalfWord = new(@"(?<![a-z0-9])(fp16|bf16|f16|half|float16|bfloat16)(?![a-z0-9])", RegexOptions.CultureInvariant);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RuleDescriptors.MissingDtype);

    internal override bool Applies(PrecisionContext precision) => precision.HasTorchSharp;

    internal override void Register(CompilationStartAnalysisContext start, PrecisionContext precision)
    {
        var catalogue = LoaderCatalogue.Create(start.Options, precision, start.CancellationToken);
        var configs = ModelConfigs.Create(start.Options);
        start.RegisterSyntaxNodeAction(c => Analyze(c, precision, catalogue, configs), SyntaxKind.InvocationExpression);
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, PrecisionContext precision, LoaderCatalogue catalogue, ModelConfigs configs)
    {
        if (!catalogue.MayLoad(SyntaxFilter.InvokedName((InvocationExpressionSyntax)context.Node))
            || context.SemanticModel.GetOperation(context.Node, context.CancellationToken) is not IInvocationOperation invocation
            || catalogue.Find(invocation.TargetMethod) is not { } loader
            || loader.Kind == "traced-load")
        {
            return;
        }

        var path = PathArgument.Of(invocation);
        var torchLoad = loader.Kind == "module-load" && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, precision.TorchModule);
        if (torchLoad && !ForeignWeights(path, configs))
        {
            return; // the program's own state, in TorchSharp's format: Module.load checks the dtype
        }

        var dtypeParameter = loader.Kind == "dtype-param";
        var moduleDtype = new ModuleDtype(invocation, precision, catalogue);
        if (loader.Kind == "module-load" && moduleDtype.SavesBefore(invocation))
        {
            return; // saved and reloaded in the same method: the program's own state, in its own dtype
        }

        bool? chosen = loader.Kind switch
        {
            "module-load" => moduleDtype.ConvertedAt(invocation) ? true : moduleDtype.Chosen(ModuleDtype.Receiver(invocation)),
            "result-load" => moduleDtype.ConvertedAt(invocation) || moduleDtype.ResultConverted(invocation),
            _ => invocation.Arguments.Any(a => a.Parameter?.Name == loader.Parameter && a.ArgumentKind != ArgumentKind.DefaultValue),
        };
        if (chosen != false)
        {
            return;
        }

        var parameter = dtypeParameter ? invocation.TargetMethod.Parameters.FirstOrDefault(p => p.Name == loader.Parameter) : null;
        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(PREC001MissingDtypeAnalyzer.FixProperty, (dtypeParameter ? MissingDtypeFix.AddDtypeArgument : MissingDtypeFix.AppendConversion).ToString())
            .Add(PREC001MissingDtypeAnalyzer.ParameterProperty, loader.Parameter)
            .Add(ParameterTypeProperty, parameter is null ? null : ParameterType(parameter, precision));
        var name = invocation.TargetMethod.Name;
        for (var type = invocation.TargetMethod.ContainingType; type is not null; type = type.ContainingType)
        {
            name = type.Name + "." + name; // torch.nn.Module.load, Phi3ForCausalLM.FromPretrained
        }

        var hint = ModelHint.SizeOf(path, configs, context.Options, context.Node.SyntaxTree)
            ?? (dtypeParameter ? ModelHint.SizeOfType(invocation.TargetMethod.ContainingType.Name) : null);
        var size = hint is null ? string.Empty : "; " + hint;
        string consequence, advice;
        if (dtypeParameter)
        {
            var fallback = parameter is { HasExplicitDefaultValue: true } ? DefaultText(parameter) : null;
            consequence = fallback is null
                ? $" (without {loader.Parameter} the loader's default decides{size})"
                : $" (without {loader.Parameter} the loader's default, {fallback}, decides out of sight of this code{size})";
            advice = $"pass {loader.Parameter}: {Spelled(parameter, precision, "BFloat16")} (or {Spelled(parameter, precision, "Float32")}) so the precision is written where the model is loaded";
        }
        else if (torchLoad)
        {
            consequence = $" (the module is in TorchSharp's default FP32, and Module.load throws if the saved weights are in another dtype{size})";
            advice = "build the module with dtype: set to the weights' dtype, or convert it with .to(ScalarType.BFloat16) or .to(ScalarType.Float32) before loading";
        }
        else if (!FromPyBridge(invocation.TargetMethod))
        {
            consequence = $" (the module stays in TorchSharp's default FP32{size})"; // a wrapper of the user's list
            advice = "build the module with dtype:, or convert it after loading with .to(ScalarType.BFloat16) or .to(ScalarType.Float32)";
        }
        else
        {
            consequence = $" (the checkpoint's weights are cast silently to the module's dtype, TorchSharp's default FP32{size})";
            advice = "build the module with dtype: ScalarType.BFloat16 (or the checkpoint's dtype), or convert it with .to(ScalarType.BFloat16) or .to(ScalarType.Float32)";
        }

        context.ReportDiagnostic(Diagnostic.Create(
            RuleDescriptors.MissingDtype, PREC001MissingDtypeAnalyzer.NameLocation(invocation), new[] { invocation.Syntax.GetLocation() }, properties, name, consequence, advice));
    }

    /// <summary>
    /// Whether a <c>Module.load</c> shows evidence of a dtype mismatch: its path names a half dtype (<c>unet.fp16.dat</c>,
    /// <c>-bf16</c>), or the <c>config.json</c> of its folder (an AdditionalFile) gives the weights' <c>torch_dtype</c> as FP16 or
    /// BF16. A published model's name alone is not: TorchSharp-format weights are exported for the module that reads them.
    /// </summary>
    private static bool ForeignWeights(string? path, ModelConfigs configs)
    {
        if (path is null)
        {
            return false;
        }

        return HalfWord.IsMatch(path.ToLowerInvariant())
            || configs.Find(path)?.TorchDtype is { } dtype && DtypeValues.FromText(dtype) is "Float16" or "BFloat16";
    }

    private static bool FromPyBridge(IMethodSymbol method) =>
        method.ContainingType?.ContainingNamespace is { Name: "PyBridge", ContainingNamespace: { Name: "TorchSharp", ContainingNamespace.IsGlobalNamespace: true } };

    private static string ParameterType(IParameterSymbol parameter, PrecisionContext precision)
    {
        var type = parameter.Type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable ? nullable.TypeArguments[0] : parameter.Type;
        return SymbolEqualityComparer.Default.Equals(type, precision.DType) ? "DType" : type.SpecialType == SpecialType.System_String ? "String" : "ScalarType";
    }

    private static string Spelled(IParameterSymbol? parameter, PrecisionContext precision, string member) =>
        parameter is null ? $"ScalarType.{member}" : ParameterType(parameter, precision) switch
        {
            "DType" => $"DType.{member}",
            "String" => "\"" + member.ToLowerInvariant() + "\"",
            _ => $"ScalarType.{member}",
        };

    private static string? DefaultText(IParameterSymbol parameter)
    {
        var value = parameter.ExplicitDefaultValue;
        if (value is null)
        {
            return null;
        }

        if (value is string text)
        {
            return "\"" + text + "\"";
        }

        var type = parameter.Type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable ? nullable.TypeArguments[0] : parameter.Type;
        var member = type.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => f.HasConstantValue && Equals(f.ConstantValue, value));
        return member is null ? System.Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : member.Name;
    }
}
