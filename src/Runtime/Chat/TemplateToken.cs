namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>What a lexed piece of a template is.</summary>
internal enum TemplateTokenKind
{
    Text,
    BlockStart,
    BlockEnd,
    ExpressionStart,
    ExpressionEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    EndOfTemplate,
}

/// <summary>One lexed piece of a template with where it starts.</summary>
internal sealed record TemplateToken(TemplateTokenKind Kind, string Value, TemplatePosition Position)
{
    public bool Is(TemplateTokenKind kind, string value) => Kind == kind && Value == value;

    public bool IsOperator(string value) => Kind == TemplateTokenKind.Operator && Value == value;

    public bool IsName(string value) => Kind == TemplateTokenKind.Name && Value == value;
}
