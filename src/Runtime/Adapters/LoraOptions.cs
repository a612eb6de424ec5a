namespace PrecisionAnalyzers.Runtime.Adapters;

/// <summary>The shape of a LoRA adapter set: rank, scaling, dropout, and which projections get an adapter.</summary>
public sealed record LoraOptions
{
    /// <summary>The attention projections: PEFT's default targets for decoder language models.</summary>
    public static IReadOnlyList<string> AttentionModules { get; } = ["q_proj", "k_proj", "v_proj", "o_proj"];

    /// <summary>Every linear layer of a decoder layer (attention and MLP); the LM head is never adapted.</summary>
    public static IReadOnlyList<string> AllLinearModules { get; } = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>The rank r of the update B·A.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>The update is scaled by alpha / r.</summary>
    public double Alpha { get; init; } = 16;

    /// <summary>Dropout on the adapter's input, in training mode only.</summary>
    public double Dropout { get; init; } = 0.05;

    /// <summary>Short module names (<c>q_proj</c>, …) that get an adapter; <see cref="AttentionModules"/> by default.</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = AttentionModules;

    public double Scaling => Alpha / Rank;

    /// <summary>Target modules from a command-line word: <c>attention</c>, <c>all-linear</c>, or a comma-separated list of names.</summary>
    public static IReadOnlyList<string> ParseTargets(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim().ToLowerInvariant();
        if (trimmed is "attention")
        {
            return AttentionModules;
        }

        if (trimmed is "all-linear" or "all_linear" or "all")
        {
            return AllLinearModules;
        }

        var names = trimmed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = names.Where(name => !AllLinearModules.Contains(name)).ToArray();
        if (names.Length == 0 || unknown.Length > 0)
        {
            throw new ArgumentException(
                $"unknown LoRA target '{string.Join(", ", unknown.DefaultIfEmpty(text))}': use 'attention', 'all-linear' or names from {string.Join(", ", AllLinearModules)}.",
                nameof(text));
        }

        return names.Distinct().ToArray();
    }

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        if (Rank < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Rank), Rank, "the LoRA rank must be at least 1.");
        }

        if (!(Alpha > 0) || double.IsInfinity(Alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "LoRA alpha must be a positive number.");
        }

        if (!(Dropout >= 0 && Dropout < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "LoRA dropout must be in [0, 1).");
        }

        if (TargetModules.Count == 0 || TargetModules.Any(name => !AllLinearModules.Contains(name)))
        {
            throw new ArgumentException($"LoRA target modules must be among {string.Join(", ", AllLinearModules)}.", nameof(TargetModules));
        }
    }
}
