namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>A conversation rendered by the chat template and encoded: the text and its token ids (one BOS at most).</summary>
public sealed record ChatPrompt(string Text, IReadOnlyList<int> TokenIds);
