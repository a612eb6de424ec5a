namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>A tokenizer could not be loaded or written: names the file and the problem.</summary>
public sealed class TokenizerException : Exception
{
    public TokenizerException(string filePath, string problem, Exception? inner = null)
        : base($"{Path.GetFileName(filePath)}: {problem} ({filePath})", inner)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The file the problem is in (or the file that was looked for).</summary>
    public string FilePath { get; }

    /// <summary>The problem, without the file name.</summary>
    public string Problem { get; }
}
