using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers.Rules;

/// <summary>
/// PREC002: FP16 is chosen for a model that is FP16-unsafe (Gemma and the other families the runtime lists) or large (at least
/// <c>precision_analyzers.large_model_threshold</c>, 1B by default). FP16 is <c>DType.Float16</c> given to the runtime's load
/// calls, and in TorchSharp <c>.half()</c>, <c>.to(ScalarType.Float16)</c> (or <c>torch.float16</c>/<c>torch.half</c>) on a
/// module the method loads, <c>torchDtype: ScalarType.Float16</c> given to a loader with a dtype parameter (GenAI's
/// <c>FromPretrained</c>), and <c>torch.set_default_dtype(ScalarType.Float16)</c> before the method loads a module it builds.
/// The model is known from the path or id the load is given (a constant, or a local initialised with one) and from the
/// <c>config.json</c> of that folder when it is an AdditionalFile (<see cref="ModelConfigs"/>); when it is not known, nothing
/// is reported. The diagnostic carries the name to replace and its replacement (<see cref="FromProperty"/>, <see cref="ToProperty"/>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PREC002Float16OnUnsafeModelAnalyzer : PrecisionAnalyzer
{
    /// <summary>The member name the fix replaces (<c>Float16</c>, <c>float16</c>, <c>half</c>).</summary>
    public const string FromProperty = "From";

    /// <summary>The member name it puts instead (<c>BFloat16</c>, <c>bfloat16</c>). With an additional location, the name to
    /// replace is there (a local's initializer), not at the diagnostic.</summary>
    public const string ToProperty = "To";

    private static readonly string[] TorchNames = ["half", "to", "set_default_dtype"];

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RuleDescriptors.Float16OnUnsafeModel);

    internal override bool Applies(PrecisionContext precision) => RuntimeApplies(precision) || TorchApplies(precision);

    internal override void Register(CompilationStartAnalysisContext start, PrecisionContext precision)
    {
        var configs = ModelConfigs.Create(start.Options);
        var runtime = RuntimeApplies(precision);
        var loads = new StaticCallFilter(start.Compilation, [precision.CausalLM, precision.SentenceEncoder]);
        var catalogue = TorchApplies(precision) ? LoaderCatalogue.Create(start.Options, precision, start.CancellationToken) : null;
        var torchNames = catalogue is null
            ? ImmutableHashSet<string>.Empty
            : TorchNames.Concat(catalogue.Entries.Where(e => e.Kind == "dtype-param").Select(e => e.Method)).ToImmutableHashSet();
        start.RegisterSyntaxNodeAction(
            c =>
            {
                // Bail out on syntax first: the invoked name (and for Load its receiver), and for the TorchSharp forms other
                // than .half() an argument spelled as an FP16 name; only then bind.
                var syntax = (InvocationExpressionSyntax)c.Node;
                var name = SyntaxFilter.InvokedName(syntax);
                var candidate = (runtime && name == "Load" && loads.MayCall(syntax)) || (name == "half" && catalogue is not null)
                    || (name == "set_default_dtype" && catalogue is not null)
                    || (name is not null && catalogue is not null && catalogue.MayLoad(name) && syntax.ArgumentList.Arguments.Count > 1)
                    || (name is not null && torchNames.Contains(name) && SyntaxFilter.MayNameFloat16(syntax.ArgumentList));
                if (!candidate || c.SemanticModel.GetOperation(c.Node, c.CancellationToken) is not IInvocationOperation invocation)
                {
                    return;
                }

                if (runtime && precision.IsRuntimeLoad(invocation.TargetMethod))
                {
                    AnalyzeRuntimeLoad(c, precision, configs, LoadCall.Inspect(invocation, precision));
                }
                else if (catalogue is not null)
                {
                    AnalyzeTorchSharp(c, precision, configs, catalogue, invocation);
                }
            },
            SyntaxKind.InvocationExpression);
    }

    private static bool RuntimeApplies(PrecisionContext precision) => precision.HasRuntime && precision.Float16 is not null;

    private static bool TorchApplies(PrecisionContext precision) => precision.HasTorchSharp && precision.TorchFloat16 is not null;

    private static void AnalyzeRuntimeLoad(SyntaxNodeAnalysisContext context, PrecisionContext precision, ModelConfigs configs, LoadCall call)
    {
        var value = ImplicitConversions.StripOrNull(call.DtypeValue);

        var used = value?.Syntax;
        if (value is ILocalReferenceOperation local)
        {
            value = LocalValue.SingleInitializer(local); // var dtype = DType.Float16; … Dtype = dtype
        }

        if (call.Choice == DtypeChoice.Set && used is not null
            && value is IFieldReferenceOperation field && SymbolEqualityComparer.Default.Equals(field.Field, precision.Float16))
        {
            var (at, chosenAt) = call.Locate(used, field.Syntax, precision);
            Report(context, configs, [call.Path], at, field.Field.Name, "BFloat16", chosenAt);
        }
        else if (call.Choice == DtypeChoice.Set && used is not null && call.DtypeValue is { } chosen && DtypeFlow.Evaluate(chosen, precision).IsFloat16)
        {
            // FP16 through a conditional, a field, configuration text: reported where the call shows it, with no fix.
            var (at, _) = call.Locate(used, used, precision);
            Report(context, configs, [call.Path], at, string.Empty, string.Empty);
        }
    }

    private static void AnalyzeTorchSharp(SyntaxNodeAnalysisContext context, PrecisionContext precision, ModelConfigs configs, LoaderCatalogue catalogue, IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        if (SymbolEqualityComparer.Default.Equals(method.ContainingType, precision.TorchModuleExtensions))
        {
            if (method.Name == "half" && SyntaxFilter.InvokedNameSyntax((InvocationExpressionSyntax)invocation.Syntax) is { } name)
            {
                Report(context, configs, ModuleLoads.OfConversion(invocation, precision, catalogue), name.GetLocation(), "half", "bfloat16");
            }
            else if (method.Name == "to" && Float16Argument(invocation, precision, a => SymbolEqualityComparer.Default.Equals(a.Parameter?.Type, precision.TorchScalarType)) is var (at, from, to, chosenAt))
            {
                Report(context, configs, ModuleLoads.OfConversion(invocation, precision, catalogue), at, from, to, chosenAt);
            }
        }
        else if (method.Name == "set_default_dtype" && SymbolEqualityComparer.Default.Equals(method.ContainingType, precision.TorchStatic))
        {
            if (Float16Argument(invocation, precision, a => a.Parameter?.Ordinal == 0) is var (at, from, to, chosenAt))
            {
                Report(context, configs, ModuleLoads.After(invocation, precision, catalogue), at, from, to, chosenAt);
            }
        }
        else if (catalogue.Find(method) is { Kind: "dtype-param" } loader
                 && Float16Argument(invocation, precision, a => a.Parameter?.Name == loader.Parameter && a.ArgumentKind != ArgumentKind.DefaultValue) is var (at, from, to, chosenAt))
        {
            Report(context, configs, [PathArgument.Of(invocation)], at, from, to, chosenAt, ModelHint.OfType(method.ContainingType.Name));
        }
    }

    /// <summary>
    /// The argument chosen by <paramref name="which"/> when it names FP16, with the replacement of its name; for a local that
    /// holds FP16 from its declaration on (<c>var dt = ScalarType.Float16; m.to(dt)</c>), its initializer, where the fix goes.
    /// </summary>
    private static (Location At, string From, string To, Location? ChosenAt)? Float16Argument(IInvocationOperation invocation, PrecisionContext precision, System.Func<IArgumentOperation, bool> which)
    {
        foreach (var argument in invocation.Arguments.Where(which))
        {
            var value = ImplicitConversions.Strip(argument.Value);

            var at = value.Syntax.GetLocation();
            Location? chosenAt = null;
            if (value is ILocalReferenceOperation local && LocalValue.SingleInitializer(local) is { } initializer)
            {
                value = initializer;
                chosenAt = initializer.Syntax.GetLocation();
            }

            if (precision.TorchFloat16Replacement(value) is var (from, to))
            {
                return (at, from, to, chosenAt);
            }

            // FP16 that arrives otherwise (a conditional, an options property, configuration text): reported, with no fix
            // (there is no one name to replace).
            if (DtypeFlow.Evaluate(argument.Value, precision).IsFloat16)
            {
                return (at, string.Empty, string.Empty, null);
            }
        }

        return null;
    }

    /// <summary>
    /// Reports when one of the loaded models is FP16-unsafe or large. A path that says nothing about the model (or a load whose
    /// path the method does not show, null) takes the model <c>.editorconfig</c> states for the file, if it states one.
    /// </summary>
    private static void Report(SyntaxNodeAnalysisContext context, ModelConfigs configs, IEnumerable<string?> paths, Location location, string from, string to, Location? chosenAt = null, ModelHint? typeHint = null)
    {
        var tree = context.Node.SyntaxTree;
        var families = AnalyzerOptionsReader.UnsafeFamilies(context.Options, tree);
        var threshold = AnalyzerOptionsReader.Threshold(context.Options, tree);
        ModelHint? configured = null;
        var configuredRead = false;
        foreach (var path in paths.Distinct())
        {
            var hint = path is null ? null : ModelHint.Parse(path, families, configs);
            if (hint is null || hint.KnowsNothing)
            {
                if (!configuredRead)
                {
                    configured = AnalyzerOptionsReader.ConfiguredModel(context.Options, tree, families);
                    configuredRead = true;
                }

                hint = configured ?? typeHint; // else the loader's class names the model: Phi3ForCasualLM.FromPretrained
            }

            if (hint is not null && Why(hint, threshold) is { } why)
            {
                var properties = from.Length == 0 ? ImmutableDictionary<string, string?>.Empty : ImmutableDictionary<string, string?>.Empty.Add(FromProperty, from).Add(ToProperty, to);
                var name = hint.FromEditorConfig ? hint.Name : $"'{hint.Name}'";
                // FP16 held in a local: reported where it is used, fixed where it is chosen (the additional location).
                context.ReportDiagnostic(Diagnostic.Create(RuleDescriptors.Float16OnUnsafeModel, location, chosenAt is null ? null : [chosenAt], properties, name, why));
                return;
            }
        }
    }

    private static string? Why(ModelHint hint, double threshold)
    {
        if (hint.UnsafeFamily is not null)
        {
            var source = hint.FromEditorConfig ? $" ({AnalyzerOptionsReader.ModelFamily} in .editorconfig)" : hint.FamilyFromConfig ? " (model_type in its config.json)" : string.Empty;
            return $"belongs to the {hint.UnsafeFamily} family{source}, whose hidden states overflow FP16's 65504 and turn into NaN";
        }

        if (hint.Parameters >= threshold)
        {
            var source = hint.FromEditorConfig ? $" by {AnalyzerOptionsReader.ModelSize} in .editorconfig" : hint.ParametersFromConfig ? " by its config.json" : string.Empty;
            return string.Format(CultureInfo.InvariantCulture, "has about {0:0.#}B parameters{2} (at least the {1:0.#}B threshold), where activations outgrow FP16's range", hint.Parameters / 1e9, threshold / 1e9, source);
        }

        return null;
    }
}
