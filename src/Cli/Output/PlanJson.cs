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
        new MemoryJson(plan.WeightBytes[DType.Float32], plan.WeightBytes[DType.Float16], plan.WeightBytes[DType.BFloat16]),
        plan.Dtype is { } d ? DtypeRules.Name(d) : null,
        plan.Device ?? "none",
        plan.CheckpointDtype is { } c ? DtypeRules.Name(c) : null,
        plan.Mode switch { PlanMode.Training => "training", PlanMode.LoraTraining => "lora", _ => "inference" },
        plan.ContextLength,
        plan.KvCacheBytes,
        plan.RequiredBytes,
        hardware,
        plan.Reasons,
        plan.Warnings.Select(WarningJson.From).ToArray());
}

/// <summary>Bytes of the weights in each dtype.</summary>
public sealed record MemoryJson(long Float32, long Float16, long Bfloat16);

/// <summary>A PREC1xx warning.</summary>
public sealed record WarningJson(string Code, string Message)
{
    public static WarningJson From(PrecisionWarning warning) => new(warning.Code, warning.Message);
}
