namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// The metadata names the rules recognise, sorted. The analyzers reference neither the runtime nor TorchSharp: they find these
/// by name once per compilation, and a test checks each entry against the real assemblies.
/// </summary>
public static class KnownTypeNames
{
    public const string CausalLM = "PrecisionAnalyzers.Runtime.CausalLM";
    public const string DType = "PrecisionAnalyzers.Runtime.DType";
    public const string LoadOptions = "PrecisionAnalyzers.Runtime.LoadOptions";
    public const string LoraTrainer = "PrecisionAnalyzers.Runtime.Training.LoraTrainer";
    public const string SentenceEncoder = "PrecisionAnalyzers.Runtime.SentenceEncoder";
    public const string TorchJit = "TorchSharp.torch+jit";
    public const string TorchModule = "TorchSharp.torch+nn+Module";
    public const string TorchModuleExtensions = "TorchSharp.ModuleExtensionMethods";
    public const string TorchNn = "TorchSharp.torch+nn";
    public const string TorchOptimizer = "TorchSharp.torch+optim+Optimizer";
    public const string TorchScalarType = "TorchSharp.torch+ScalarType";
    public const string TorchStatic = "TorchSharp.torch";
    public const string TorchTensor = "TorchSharp.torch+Tensor";
}
