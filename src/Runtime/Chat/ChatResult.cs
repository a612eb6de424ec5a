using PrecisionAnalyzers.Runtime.Models;

namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>The answer of one chat turn: its text (without the end-of-turn token), the prompt, and the generation details.</summary>
public sealed record ChatResult(string Text, ChatPrompt Prompt, GenerationResult Generation)
{
    /// <summary>The conversation with this answer appended as the assistant's message.</summary>
    public IReadOnlyList<ChatMessage> Append(IReadOnlyList<ChatMessage> messages) => [.. messages, ChatMessage.Assistant(Text)];
}
