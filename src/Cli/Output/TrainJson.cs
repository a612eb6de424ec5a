namespace PrecisionAnalyzers.Cli.Output;

/// <summary>The JSON of <c>precision train --json</c>.</summary>
/// <param name="InitialLoss">The loss of the first step of the run (of the original run when resumed).</param>
/// <param name="FinalLoss">The loss of the last step.</param>
/// <param name="Steps">Steps done in all.</param>
/// <param name="Dtype">The dtype of the frozen base weights and of the computation.</param>
/// <param name="Checkpoint">The last checkpoint folder (a PEFT adapter plus optimizer and trainer state).</param>
/// <param name="Warnings">PREC1xx warnings of loading and training.</param>
/// <param name="SkippedSteps">Steps skipped for non-finite values (FP16 loss scaling).</param>
/// <param name="TokensPerSecond">Trained tokens per second in this invocation.</param>
/// <param name="TrainableParameters">Adapter parameters.</param>
/// <param name="ResumedFrom">The checkpoint the run resumed from, or null.</param>
/// <param name="Merged">The merged full checkpoint written with --merge, or null.</param>
public sealed record TrainJson(
    double InitialLoss,
    double FinalLoss,
    int Steps,
    string Dtype,
    string? Checkpoint,
    IReadOnlyList<WarningJson> Warnings,
    int SkippedSteps,
    double TokensPerSecond,
    long TrainableParameters,
    string? ResumedFrom,
    string? Merged);
