namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>A tokenizer file that is missing, malformed or of a kind the runtime does not read; the message names the file.</summary>
public sealed class TokenizerException : Exception
{
    public TokenizerException(string filePath, string message, Exception? inner = null)
        : base($"{filePath}: {message}", inner)
    {
        FilePath = filePath;
    }

    public string FilePath { get; }
}
