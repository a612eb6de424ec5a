using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Planning;

namespace PrecisionAnalyzers.Cli.Output;

/// <summary>The JSON of <c>precision plan --json</c>. Field names are part of the CLI's contract.</summary>
public sealed record PlanJson(
    string ModelType,
    long Parameters,
    MemoryJson Memory,
    string? Dtype,
    string Device,
    string Quantization,
    string? CheckpointDtype,
    string Mode,
    long ContextLength,
    long KvCacheBytes,
    long RequiredBytes,
    string Hardware,
    IReadOnlyList<string> Reasons,
    IReadOnlyList<WarningJson> Warnings)
{
    public static PlanJson From(PrecisionPlan plan, string hardware) => new(
        plan.ModelType,
        plan.Parameters,
        new MemoryJson(plan.WeightBytes[DType.Float32], plan.WeightBytes[DType.Float16], plan.WeightBytes[DType.BFloat16], Estimate(plan, WeightQuantization.Int8), Estimate(plan, WeightQuantization.Int4)),
        plan.Dtype is { } d ? DtypeRules.Name(d) : null,
        plan.Device ?? "none",
        PrecisionPlanner.Name(plan.Quantization),
        plan.CheckpointDtype is { } c ? DtypeRules.Name(c) : null,
        plan.Mode switch { PlanMode.Training => "training", PlanMode.LoraTraining => "lora", _ => "inference" },
        plan.ContextLength,
        plan.KvCacheBytes,
        plan.RequiredBytes,
        hardware,
        plan.Reasons,
        plan.Warnings.Select(WarningJson.From).ToArray());

    /// <summary>The quantized estimate, or null for a plan that never got to sizes (an unsupported model, sizes past 64 bits).</summary>
    private static long? Estimate(PrecisionPlan plan, WeightQuantization format) =>
        plan.QuantizedWeightBytes.TryGetValue(format, out var bytes) ? bytes : null;
}

/// <summary>Bytes of the weights in each dtype, and with the projections in int8 or int4 (the rest in the planned dtype).</summary>
public sealed record MemoryJson(long Float32, long Float16, long Bfloat16, long? Int8, long? Int4);

/// <summary>A PREC1xx warning.</summary>
public sealed record WarningJson(string Code, string Message)
{
    public static WarningJson From(PrecisionWarning warning) => new(warning.Code, warning.Message);
}
