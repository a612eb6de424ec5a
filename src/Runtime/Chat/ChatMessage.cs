namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>One message of a conversation: <c>system</c>, <c>user</c> or <c>assistant</c> (or any role the template knows).</summary>
public sealed record ChatMessage(string Role, string Content)
{
    public static ChatMessage System(string content) => new("system", content);

    public static ChatMessage User(string content) => new("user", content);

    public static ChatMessage Assistant(string content) => new("assistant", content);

    /// <summary>The message as templates see it: a dictionary with <c>role</c> and <c>content</c>.</summary>
    internal Dictionary<string, object?> ToTemplateValue() => new(StringComparer.Ordinal) { ["role"] = Role, ["content"] = Content };
}
