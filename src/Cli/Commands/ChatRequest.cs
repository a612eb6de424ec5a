using PrecisionAnalyzers.Runtime;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>The parsed arguments of <c>precision chat</c>. Null sampling values come from generation_config.json.</summary>
internal sealed record ChatRequest(
    string Path,
    string? System,
    int MaxNewTokens,
    double? Temperature,
    double? TopP,
    int? TopK,
    int? Seed,
    DType? Dtype,
    string Device,
    bool Strict,
    IReadOnlyDictionary<string, object?>? Variables = null,
    Runtime.Models.ContextOverflow ContextOverflow = Runtime.Models.ContextOverflow.StopAtLimit,
    WeightQuantization Quantization = WeightQuantization.None,

    int? Threads = null);
