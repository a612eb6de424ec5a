using Microsoft.CodeAnalysis;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>Every diagnostic descriptor, in one place; the help link is computed from the ID.</summary>
public static class RuleDescriptors
{
    private const string Category = "Precision";

    public static readonly DiagnosticDescriptor MissingDtype = Create(
        RuleIdentifiers.MissingDtype,
        "Model loaded without an explicit dtype",
        "'{0}' loads a model without an explicit dtype{1}: {2}",
        DiagnosticSeverity.Warning,
        "Without a dtype the precision depends on where the code runs: TorchSharp modules default to FP32 (a 12B model takes ~47 GB instead of ~24 GB in BF16), and the runtime's Auto differs between machines.");

    public static readonly DiagnosticDescriptor Float16OnUnsafeModel = Create(
        RuleIdentifiers.Float16OnUnsafeModel,
        "FP16 on a large or FP16-unsafe model",
        "FP16 is chosen for {0}, which {1}: use BFloat16 (same memory, FP32's range)",
        DiagnosticSeverity.Warning,
        "FP16's largest value is 65504. Gemma models' hidden states exceed it on ordinary prompts and turn into NaN; large models of other families are at risk too. BF16 has the same size and FP32's range.");

    public static readonly DiagnosticDescriptor CacheInTraining = Create(
        RuleIdentifiers.CacheInTraining,
        "Generation cache enabled in training",
        "The generation cache is enabled on a model that '{0}' trains: the key/value cache is returned with the outputs in training, costs memory for every step, and breaks mixed-precision code that casts the outputs at checkpoint save; set UseCache to false (GenAI: useCache: false)",
        DiagnosticSeverity.Warning,
        "A key/value cache is for generation. Left on during fine-tuning it is returned with the outputs, and mixed-precision code that casts outputs crashes on it at checkpoint save (LoRA on Gemma 3 in BF16/FP16).");

    public static readonly DiagnosticDescriptor HalfDefaultDtype = Create(
        RuleIdentifiers.HalfDefaultDtype,
        "Process-wide default dtype set to a half type",
        "torch.set_default_dtype({0}) makes every tensor and module created afterwards {0}, in every thread and library, so norms, softmax and losses lose FP32's precision where nobody asked: give the model its dtype instead (dtype: at construction, or .to(ScalarType.{1}))",
        DiagnosticSeverity.Warning,
        "The default dtype is process-wide state. Set to FP16 or BF16 it also changes the norms, softmax and loss computations of any code that creates tensors later, and other threads' work, where FP32 was meant; precision failures then surface far from their cause.");

    public static readonly DiagnosticDescriptor BFloat16OnCuda = Create(
        RuleIdentifiers.BFloat16OnCuda,
        "BF16 hard-coded for a CUDA device",
        "BFloat16 is hard-coded for device '{0}': GPUs below compute capability 8.0 (Pascal, Volta, Turing) cannot run BF16 matrix multiplication; use DType.Auto, which takes BF16 where the GPU runs it",
        DiagnosticSeverity.Warning,
        "BF16 storage works on older GPUs but BF16 GEMM does not: the failure surfaces at the first matrix multiplication (failure 5 of DESIGN.md). The runtime falls back with PREC101, or refuses with Strict; Auto plans per GPU.");

    private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity, string description) => new(
        id,
        title,
        message,
        Category,
        severity,
        isEnabledByDefault: true,
        description: description,
        helpLinkUri: HelpLink(id));

    /// <summary>The documentation page of a rule.</summary>
    public static string HelpLink(string id) => $"https://github.com/precision-analyzers/precision-analyzers/blob/main/docs/rules/{id}.md";
}
