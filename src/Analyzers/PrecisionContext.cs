using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>The runtime's and TorchSharp's symbols, resolved once per compilation; null members where the library is absent.</summary>
internal sealed class PrecisionContext
{
    private PrecisionContext(Compilation compilation)
    {
        CausalLM = compilation.GetTypeByMetadataName(KnownTypeNames.CausalLM);
        SentenceEncoder = compilation.GetTypeByMetadataName(KnownTypeNames.SentenceEncoder);
        LoadOptions = compilation.GetTypeByMetadataName(KnownTypeNames.LoadOptions);
        DType = compilation.GetTypeByMetadataName(KnownTypeNames.DType);
        LoraTrainer = compilation.GetTypeByMetadataName(KnownTypeNames.LoraTrainer);
        GenAIModelInput = compilation.GetTypeByMetadataName(EcosystemTypeNames.GenAIModelInput);
        GenAIModelInputUseCache = GenAIModelInput?.GetMembers("UseCache").OfType<IPropertySymbol>().FirstOrDefault();
        TorchModule = compilation.GetTypeByMetadataName(KnownTypeNames.TorchModule);
        TorchTensor = compilation.GetTypeByMetadataName(KnownTypeNames.TorchTensor);
        TorchOptimizer = compilation.GetTypeByMetadataName(KnownTypeNames.TorchOptimizer);
        TorchJit = compilation.GetTypeByMetadataName(KnownTypeNames.TorchJit);
        TorchNn = compilation.GetTypeByMetadataName(KnownTypeNames.TorchNn);
        TorchModuleExtensions = compilation.GetTypeByMetadataName(KnownTypeNames.TorchModuleExtensions);
        TorchScalarType = compilation.GetTypeByMetadataName(KnownTypeNames.TorchScalarType);
        TorchStatic = compilation.GetTypeByMetadataName(KnownTypeNames.TorchStatic);
        Dtype = LoadOptions?.GetMembers("Dtype").OfType<IPropertySymbol>().FirstOrDefault();
        LoadOptionsUseCache = LoadOptions?.GetMembers("UseCache").OfType<IPropertySymbol>().FirstOrDefault();
        ModelUseCache = CausalLM?.GetMembers("UseCache").OfType<IPropertySymbol>().FirstOrDefault();
        Float16 = DType?.GetMembers("Float16").OfType<IFieldSymbol>().FirstOrDefault();
        BFloat16 = DType?.GetMembers("BFloat16").OfType<IFieldSymbol>().FirstOrDefault();
        TorchFloat16 = TorchScalarType?.GetMembers("Float16").OfType<IFieldSymbol>().FirstOrDefault();
        TorchFloat16Fields = TorchStatic is null
            ? ImmutableArray<IFieldSymbol>.Empty
            : TorchStatic.GetMembers("float16").Concat(TorchStatic.GetMembers("half")).OfType<IFieldSymbol>().Where(f => f.IsStatic).ToImmutableArray();
    }

    public INamedTypeSymbol? CausalLM { get; }

    public INamedTypeSymbol? SentenceEncoder { get; }

    public INamedTypeSymbol? LoadOptions { get; }

    public INamedTypeSymbol? DType { get; }

    public INamedTypeSymbol? LoraTrainer { get; }

    /// <summary>Microsoft.ML.GenAI's model input, whose <c>useCache</c> defaults to true.</summary>
    public INamedTypeSymbol? GenAIModelInput { get; }

    public IPropertySymbol? GenAIModelInputUseCache { get; }

    public INamedTypeSymbol? TorchModule { get; }

    public INamedTypeSymbol? TorchTensor { get; }

    public INamedTypeSymbol? TorchOptimizer { get; }

    public INamedTypeSymbol? TorchJit { get; }

    public INamedTypeSymbol? TorchNn { get; }

    public INamedTypeSymbol? TorchModuleExtensions { get; }

    public INamedTypeSymbol? TorchScalarType { get; }

    public INamedTypeSymbol? TorchStatic { get; }

    /// <summary>True when TorchSharp's module loading surface is referenced.</summary>
    public bool HasTorchSharp => TorchModule is not null && TorchScalarType is not null && TorchModuleExtensions is not null;

    public IPropertySymbol? Dtype { get; }

    public IPropertySymbol? LoadOptionsUseCache { get; }

    public IPropertySymbol? ModelUseCache { get; }

    public IFieldSymbol? Float16 { get; }

    public IFieldSymbol? BFloat16 { get; }

    /// <summary>TorchSharp's <c>ScalarType.Float16</c>.</summary>
    public IFieldSymbol? TorchFloat16 { get; }

    /// <summary><c>torch.float16</c> and <c>torch.half</c>: static fields (not constants) holding <c>ScalarType.Float16</c>.</summary>
    public ImmutableArray<IFieldSymbol> TorchFloat16Fields { get; }

    /// <summary>
    /// The replacement when <paramref name="value"/> names FP16 in TorchSharp: <c>ScalarType.Float16</c> → <c>BFloat16</c>,
    /// <c>torch.float16</c>/<c>torch.half</c> → <c>bfloat16</c>; null otherwise.
    /// </summary>
    public (string From, string To)? TorchFloat16Replacement(IOperation value)
    {
        value = ImplicitConversions.Strip(value);

        return value switch
        {
            IFieldReferenceOperation field when SymbolEqualityComparer.Default.Equals(field.Field, TorchFloat16) => (field.Field.Name, "BFloat16"),
            IFieldReferenceOperation field when TorchFloat16Fields.Contains(field.Field, SymbolEqualityComparer.Default) => (field.Field.Name, "bfloat16"),
            _ => null,
        };
    }

    /// <summary>True when the runtime's load contract is referenced.</summary>
    public bool HasRuntime => LoadOptions is not null && DType is not null && Dtype is not null && (CausalLM is not null || SentenceEncoder is not null);

    public static PrecisionContext Create(Compilation compilation) => new(compilation);

    /// <summary>Whether <paramref name="method"/> is <c>CausalLM.Load</c> or <c>SentenceEncoder.Load</c>.</summary>
    public bool IsRuntimeLoad(IMethodSymbol method) =>
        method.Name == "Load" && method.IsStatic
        && (SymbolEqualityComparer.Default.Equals(method.ContainingType, CausalLM) || SymbolEqualityComparer.Default.Equals(method.ContainingType, SentenceEncoder));

    /// <summary>
    /// Whether <paramref name="method"/> puts a model in training or trains it: <c>Train()</c> (the model's or a <c>LoraTrainer</c>'s)/<c>train()</c>,
    /// <c>backward()</c>, an optimizer's <c>step()</c>, and a trainer's <c>Train</c>/<c>TrainAsync</c>/<c>Fit</c> (any type named
    /// <c>…Trainer</c>, as GenAI's <c>CausalLMSupervisedFineTuningTrainer</c>).
    /// </summary>
    public bool IsTraining(IMethodSymbol method)
    {
        var type = method.ContainingType;
        return (method.Name == "Train" && (SymbolEqualityComparer.Default.Equals(type, CausalLM) || SymbolEqualityComparer.Default.Equals(type, LoraTrainer)))
            || (method.Name == "train" && TorchModule is not null && InheritsFrom(type, TorchModule))
            || (method.Name == "backward" && TorchTensor is not null && InheritsFrom(type, TorchTensor))
            || (method.Name == "step" && TorchOptimizer is not null && InheritsFrom(type, TorchOptimizer))
            || (method.Name is "Train" or "TrainAsync" or "Fit" or "FitAsync" && type.Name.EndsWith("Trainer", System.StringComparison.Ordinal));
    }

    /// <summary>Whether <paramref name="type"/> is a model: the runtime's <c>CausalLM</c> or a TorchSharp module.</summary>
    public bool IsModel(ITypeSymbol? type) => (type is not null && SymbolEqualityComparer.Default.Equals(type, CausalLM)) || IsModule(type);

    /// <summary>Whether <paramref name="type"/> is a TorchSharp module.</summary>
    public bool IsModule(ITypeSymbol? type) => TorchModule is not null && InheritsFrom(type, TorchModule);

    private static bool InheritsFrom(ITypeSymbol? type, INamedTypeSymbol baseType)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType))
            {
                return true;
            }
        }

        return false;
    }
}
