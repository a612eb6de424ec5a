namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>A statement of a parsed template, with where it starts.</summary>
internal abstract record TemplateNode(TemplatePosition Position);

internal sealed record TextNode(TemplatePosition Position, string Text) : TemplateNode(Position);

/// <summary><c>{{ expression }}</c>.</summary>
internal sealed record OutputNode(TemplatePosition Position, TemplateExpression Expression) : TemplateNode(Position);

/// <summary><c>{% if %}…{% elif %}…{% else %}…{% endif %}</c>.</summary>
internal sealed record IfNode(TemplatePosition Position, IReadOnlyList<(TemplateExpression Condition, IReadOnlyList<TemplateNode> Body)> Branches, IReadOnlyList<TemplateNode>? Else) : TemplateNode(Position);

/// <summary><c>{% for a[, b] in items [if condition] %}…{% else %}…{% endfor %}</c>.</summary>
internal sealed record ForNode(TemplatePosition Position, IReadOnlyList<string> Targets, TemplateExpression Items, TemplateExpression? Filter, IReadOnlyList<TemplateNode> Body, IReadOnlyList<TemplateNode>? Else) : TemplateNode(Position);

/// <summary><c>{% set name = value %}</c>, <c>{% set a, b = value %}</c> or <c>{% set ns.attribute = value %}</c>.</summary>
internal sealed record SetNode(TemplatePosition Position, IReadOnlyList<string> Names, string? Attribute, TemplateExpression Value) : TemplateNode(Position);

/// <summary><c>{% set name %}…{% endset %}</c>: the rendered body as a string.</summary>
internal sealed record SetBlockNode(TemplatePosition Position, string Name, IReadOnlyList<TemplateNode> Body) : TemplateNode(Position);

/// <summary><c>{% macro name(a, b=default) %}…{% endmacro %}</c>.</summary>
internal sealed record MacroNode(TemplatePosition Position, string Name, IReadOnlyList<(string Name, TemplateExpression? Default)> Parameters, IReadOnlyList<TemplateNode> Body) : TemplateNode(Position);

/// <summary><c>{% break %}</c> and <c>{% continue %}</c>.</summary>
internal sealed record LoopControlNode(TemplatePosition Position, bool IsBreak) : TemplateNode(Position);
