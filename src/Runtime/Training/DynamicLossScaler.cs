namespace PrecisionAnalyzers.Runtime.Training;

/// <summary>
/// Dynamic loss scaling for FP16 training: the loss is multiplied by <see cref="Scale"/> before the backward pass so small
/// gradients survive FP16; a step whose gradients are not finite is skipped and the scale halves; after
/// <see cref="GrowthInterval"/> clean steps in a row it doubles.
/// </summary>
public sealed class DynamicLossScaler
{
    public DynamicLossScaler(double initialScale = 65536, int growthInterval = 2000, double growthFactor = 2, double backoffFactor = 0.5, double minimumScale = 1.0 / 65536)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initialScale, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(growthInterval, 1);
        Scale = initialScale;
        GrowthInterval = growthInterval;
        GrowthFactor = growthFactor;
        BackoffFactor = backoffFactor;
        MinimumScale = minimumScale;
    }

    public double Scale { get; private set; }

    public int GrowthInterval { get; }

    public double GrowthFactor { get; }

    public double BackoffFactor { get; }

    public double MinimumScale { get; }

    /// <summary>Clean steps since the scale last changed.</summary>
    public int CleanSteps { get; private set; }

    /// <summary>Steps skipped for non-finite gradients so far.</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>Records one step's outcome; returns whether the optimizer should step.</summary>
    public bool Update(bool gradientsFinite)
    {
        if (!gradientsFinite)
        {
            Scale = Math.Max(MinimumScale, Scale * BackoffFactor);
            CleanSteps = 0;
            SkippedSteps++;
            return false;
        }

        CleanSteps++;
        if (CleanSteps >= GrowthInterval)
        {
            Scale *= GrowthFactor;
            CleanSteps = 0;
        }

        return true;
    }

    /// <summary>Restores a saved state.</summary>
    public void Restore(double scale, int cleanSteps, int skippedSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(scale, 0);
        Scale = scale;
        CleanSteps = cleanSteps;
        SkippedSteps = skippedSteps;
    }
}
