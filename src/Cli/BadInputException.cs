namespace PrecisionAnalyzers.Cli;

/// <summary>The user's input is wrong; the message says what and how to fix it. Exit code 2.</summary>
public sealed class BadInputException : Exception
{
    public BadInputException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
