namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>What generation does when the prompt and the requested new tokens do not fit in the model's context.</summary>
public enum ContextOverflow
{
    /// <summary>Refuse before any work: <see cref="ContextLengthException"/> with both numbers.</summary>
    Refuse,

    /// <summary>
    /// Generate until the context is full, then stop (<see cref="StopReason.ContextLimit"/>, with a PREC110 warning). A prompt
    /// that leaves no room for one new token is still refused.
    /// </summary>
    StopAtLimit,

    /// <summary>Keep the prompt's last tokens so that prompt and answer fit (PREC109, <see cref="CausalLM.FitToContext"/>).</summary>
    TruncatePrompt,
}
