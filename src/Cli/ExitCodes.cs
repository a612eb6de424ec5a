namespace PrecisionAnalyzers.Cli;

/// <summary>The exit codes of the <c>precision</c> command (documented in the README).</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>An unexpected failure (a bug, or the platform could not load TorchSharp).</summary>
    public const int Failure = 1;

    /// <summary>Bad input: missing path, no config, malformed JSON, impossible sizes, a corrupt checkpoint. Message on stderr, nothing on stdout.</summary>
    public const int BadInput = 2;

    /// <summary>The model cannot run anywhere on this hardware.</summary>
    public const int CannotRun = 3;

    /// <summary>Cancelled (Ctrl+C).</summary>
    public const int Cancelled = 130;
}
