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

    /// <summary>
    /// When the conversation and <see cref="MaxNewTokens"/> do not fit in the model's context. The default stops the answer
    /// where the context ends (PREC110): a conversation fills the context as it goes, and <see cref="MaxNewTokens"/> is a cap.
    /// A conversation that leaves no room for one token is refused (<see cref="Models.ContextLengthException"/>) either way.
    /// </summary>
    public Models.ContextOverflow ContextOverflow { get; init; } = Models.ContextOverflow.StopAtLimit;

    /// <summary>Whether the template appends the assistant's opening (almost always: the model answers next).</summary>
    public bool AddGenerationPrompt { get; init; } = true;

    /// <summary>More variables for the template (<c>enable_thinking</c>, <c>tools</c>, <c>date_string</c>, …).</summary>
    public IReadOnlyDictionary<string, object?>? TemplateVariables { get; init; }
}
