namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>A 1-based line and column in a template's text.</summary>
internal readonly record struct TemplatePosition(int Line, int Column);
