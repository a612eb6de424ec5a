namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>Variables of one scope (the template, a loop iteration, a macro call), looked up outwards.</summary>
internal sealed class TemplateScope(TemplateScope? parent)
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public bool TryGet(string name, out object? value)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._variables.TryGetValue(name, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }

    public void Set(string name, object? value) => _variables[name] = value;

    public TemplateScope? Parent { get; } = parent;
}
