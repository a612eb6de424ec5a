namespace PrecisionAnalyzers.Runtime.Configuration;

/// <summary>A <c>config.json</c> that is missing, malformed or describes an impossible model.</summary>
public sealed class ModelConfigException : Exception
{
    public ModelConfigException(string source, string? key, string message, Exception? inner = null)
        : base(key is null ? $"{source}: {message}" : $"{source}: '{key}' {message}", inner)
    {
        Source = source;
        Key = key;
    }

    /// <summary>The file (or folder) the configuration came from.</summary>
    public new string Source { get; }

    /// <summary>The offending key, when one is to blame.</summary>
    public string? Key { get; }
}
