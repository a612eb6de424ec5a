namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>The value of a name or attribute that does not exist: false, empty, renders as nothing.</summary>
internal sealed class TemplateUndefined
{
    public static readonly TemplateUndefined Instance = new();

    private TemplateUndefined()
    {
    }

    public override string ToString() => string.Empty;
}
