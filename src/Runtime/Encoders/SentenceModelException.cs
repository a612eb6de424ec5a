namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary>A sentence-transformers folder cannot be used: which file, and what is wrong with it.</summary>
public sealed class SentenceModelException : Exception
{
    public SentenceModelException(string source, string problem, Exception? inner = null)
        : base($"{source}: {problem}", inner)
    {
        Location = source;
    }

    /// <summary>The file or folder at fault.</summary>
    public string Location { get; }
}
