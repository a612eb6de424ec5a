namespace PrecisionAnalyzers.Runtime.Checkpoints;

/// <summary>A safetensors file (or sharded index) that breaks the format. Nothing was loaded from it.</summary>
public sealed class SafetensorsFormatException : Exception
{
    public SafetensorsFormatException(string filePath, string? tensorName, SafetensorsRule rule, string message, Exception? inner = null)
        : base($"{filePath}: {(tensorName is null ? "" : $"tensor '{tensorName}': ")}{message} [{rule}]", inner)
    {
        FilePath = filePath;
        TensorName = tensorName;
        Rule = rule;
    }

    public string FilePath { get; }

    public string? TensorName { get; }

    public SafetensorsRule Rule { get; }
}
