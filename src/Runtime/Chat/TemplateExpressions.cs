namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>An expression of the template language, with where it starts.</summary>
internal abstract record TemplateExpression(TemplatePosition Position);

internal sealed record LiteralExpression(TemplatePosition Position, object? Value) : TemplateExpression(Position);

internal sealed record NameExpression(TemplatePosition Position, string Name) : TemplateExpression(Position);

internal sealed record ListExpression(TemplatePosition Position, IReadOnlyList<TemplateExpression> Items, bool IsTuple) : TemplateExpression(Position);

internal sealed record DictExpression(TemplatePosition Position, IReadOnlyList<(TemplateExpression Key, TemplateExpression Value)> Pairs) : TemplateExpression(Position);

internal sealed record AttributeExpression(TemplatePosition Position, TemplateExpression Target, string Name) : TemplateExpression(Position);

internal sealed record IndexExpression(TemplatePosition Position, TemplateExpression Target, TemplateExpression Index) : TemplateExpression(Position);

internal sealed record SliceExpression(TemplatePosition Position, TemplateExpression Target, TemplateExpression? Start, TemplateExpression? Stop, TemplateExpression? Step) : TemplateExpression(Position);

/// <summary>Arguments of a call, filter or test: positional, then keyword.</summary>
internal sealed record TemplateArguments(IReadOnlyList<TemplateExpression> Positional, IReadOnlyList<(string Name, TemplateExpression Value)> Keyword)
{
    public static readonly TemplateArguments None = new([], []);
}

internal sealed record CallExpression(TemplatePosition Position, TemplateExpression Callee, TemplateArguments Arguments) : TemplateExpression(Position);

internal sealed record FilterExpression(TemplatePosition Position, TemplateExpression Operand, string Name, TemplateArguments Arguments) : TemplateExpression(Position);

internal sealed record TestExpression(TemplatePosition Position, TemplateExpression Operand, string Name, TemplateArguments Arguments, bool Negated) : TemplateExpression(Position);

/// <summary><c>not</c>, unary <c>-</c> and <c>+</c>.</summary>
internal sealed record UnaryExpression(TemplatePosition Position, string Operator, TemplateExpression Operand) : TemplateExpression(Position);

/// <summary>Arithmetic, <c>~</c>, comparisons, <c>in</c>/<c>not in</c>, <c>and</c>/<c>or</c>.</summary>
internal sealed record BinaryExpression(TemplatePosition Position, string Operator, TemplateExpression Left, TemplateExpression Right) : TemplateExpression(Position);

/// <summary><c>a if condition else b</c> (<c>else</c> optional: undefined).</summary>
internal sealed record ConditionalExpression(TemplatePosition Position, TemplateExpression Condition, TemplateExpression Then, TemplateExpression? Else) : TemplateExpression(Position);
