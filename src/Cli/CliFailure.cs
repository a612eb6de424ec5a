namespace PrecisionAnalyzers.Cli;

/// <summary>How a failure ends the command: its exit code and the one line said on stderr (after <c>error: </c>).</summary>
/// <param name="ExitCode">One of <see cref="ExitCodes"/>.</param>
/// <param name="Message">What went wrong, naming the file or flag; never a stack trace.</param>
public sealed record CliFailure(int ExitCode, string Message);
