namespace PrecisionAnalyzers.Runtime.Training;

/// <summary>How the learning rate decays after warm-up.</summary>
public enum ScheduleKind
{
    /// <summary>Linearly to zero at the last step (the transformers Trainer's default).</summary>
    Linear,

    /// <summary>Half a cosine to zero at the last step.</summary>
    Cosine,

    /// <summary>Constant after warm-up.</summary>
    Constant,
}

/// <summary>A learning rate for every step: linear warm-up from zero over <c>warmup</c> steps, then the chosen decay.</summary>
public sealed record LearningRateSchedule(double PeakRate, int WarmupSteps, int TotalSteps, ScheduleKind Kind = ScheduleKind.Linear)
{
    /// <summary>The rate of the update at 0-based <paramref name="step"/>.</summary>
    public double RateAt(int step)
    {
        if (step < WarmupSteps)
        {
            return PeakRate * (step + 1) / (WarmupSteps + 1);
        }

        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        var progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return Kind switch
        {
            ScheduleKind.Linear => PeakRate * (1 - progress),
            ScheduleKind.Cosine => PeakRate * 0.5 * (1 + Math.Cos(Math.PI * progress)),
            _ => PeakRate,
        };
    }
}
