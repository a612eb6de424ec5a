namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>The object <c>namespace(…)</c> makes: attributes a loop body can change (<c>{% set ns.x = … %}</c>).</summary>
internal sealed class TemplateNamespace
{
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}
