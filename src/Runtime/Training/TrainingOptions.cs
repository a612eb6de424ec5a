using PrecisionAnalyzers.Runtime.Adapters;

namespace PrecisionAnalyzers.Runtime.Training;

/// <summary>How a LoRA fine-tuning run goes. Recorded in every checkpoint, so a resumed run continues with the same settings.</summary>
public sealed record TrainingOptions
{
    /// <summary>Optimizer steps in the whole run.</summary>
    public int Steps { get; init; } = 100;

    /// <summary>Examples per micro-batch.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Micro-batches whose gradients add up to one optimizer step.</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Longest input in tokens; longer examples are cut.</summary>
    public int MaxLength { get; init; } = 256;

    public double LearningRate { get; init; } = 2e-4;

    public int WarmupSteps { get; init; }

    public ScheduleKind Schedule { get; init; } = ScheduleKind.Linear;

    public double WeightDecay { get; init; }

    /// <summary>Gradients are clipped to this global L2 norm (after unscaling); 0 turns clipping off.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Write a checkpoint every this many steps (0: only at the end).</summary>
    public int SaveEvery { get; init; }

    /// <summary>Seeds the adapters' initialisation, the data order and the dropout masks.</summary>
    public long Seed { get; init; } = 42;

    public LoraOptions Lora { get; init; } = new();

    /// <summary>The first loss scale of FP16 training.</summary>
    public double InitialLossScale { get; init; } = 65536;

    /// <summary>Clean steps after which the FP16 loss scale doubles.</summary>
    public int LossScaleGrowthInterval { get; init; } = 2000;

    /// <summary>Throws when a value is out of range, naming it.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 1, nameof(Steps));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(GradientAccumulation, 1, nameof(GradientAccumulation));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLength, 1, nameof(MaxLength));
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupSteps, nameof(WarmupSteps));
        ArgumentOutOfRangeException.ThrowIfNegative(SaveEvery, nameof(SaveEvery));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxGradNorm, nameof(MaxGradNorm));
        ArgumentOutOfRangeException.ThrowIfNegative(WeightDecay, nameof(WeightDecay));
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "the learning rate must be a positive number.");
        }

        Lora.Validate();
    }
}

/// <summary>One optimizer step's report.</summary>
/// <param name="Step">Steps done (1-based).</param>
/// <param name="TotalSteps">Steps of the run.</param>
/// <param name="Loss">Mean cross-entropy of this step's tokens.</param>
/// <param name="LearningRate">The rate this step used.</param>
/// <param name="TokensPerSecond">Predicted tokens per second over this session so far.</param>
/// <param name="LossScale">The FP16 loss scale after this step; null without loss scaling.</param>
/// <param name="SkippedSteps">Steps skipped for non-finite gradients so far.</param>
/// <param name="Checkpoint">The checkpoint folder written after this step, if one was.</param>
public sealed record TrainingProgress(int Step, int TotalSteps, double Loss, double LearningRate, double TokensPerSecond, double? LossScale, int SkippedSteps, string? Checkpoint);

/// <summary>The outcome of <see cref="LoraTrainer.Train"/>.</summary>
public sealed record TrainingResult(
    double InitialLoss,
    double FinalLoss,
    int Steps,
    DType Dtype,
    string? Checkpoint,
    IReadOnlyList<Diagnostics.PrecisionWarning> Warnings,
    int SkippedSteps,
    double TokensPerSecond,
    IReadOnlyList<double> Losses);
