namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>
/// How to answer in a chat. Sampling values left null come from the checkpoint's generation_config.json
/// (<see cref="GenerationDefaults"/>); a <see cref="Temperature"/> of 0 is greedy.
/// </summary>
public sealed record ChatOptions
{
    public int MaxNewTokens { get; init; } = 512;

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? TopK { get; init; }

    /// <summary>Seed of the sampler; null draws one.</summary>
    public int? Seed { get; init; }

    /// <summary>Whether the template appends the assistant's opening (almost always: the model answers next).</summary>
    public bool AddGenerationPrompt { get; init; } = true;

    /// <summary>More variables for the template (<c>enable_thinking</c>, <c>tools</c>, <c>date_string</c>, …).</summary>
    public IReadOnlyDictionary<string, object?>? TemplateVariables { get; init; }
}
