using System.Globalization;
using System.Reflection;

namespace PrecisionAnalyzers.Cli;

/// <summary>
/// The last resort for a failure no mapping expected (a bug): one line on stderr that says so, where to report it and where
/// the details are (a report file in the temporary folder; with <c>--verbose</c>, also on stderr). Never a stack trace alone.
/// </summary>
public static class BugReport
{
    /// <summary>Where bugs are reported (the README's "Reporting a bug").</summary>
    public const string IssueTracker = "https://github.com/precision-analyzers/precision-analyzers/issues";

    /// <summary>Says <paramref name="failure"/> is a bug on <paramref name="error"/> and writes the details; returns <see cref="ExitCodes.Failure"/>.</summary>
    public static int Report(Exception failure, IReadOnlyList<string> args, TextWriter error, bool verbose)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        var details = Details(failure, args);
        var file = TryWrite(details);
        var where = (file, verbose) switch
        {
            (not null, true) => $"details below and in {file}",
            (not null, false) => $"details in {file} (or run again with --verbose to print them)",
            (null, true) => "details below",
            (null, false) => "run again with --verbose to print the details",
        };
        error.WriteLine($"error: unexpected failure, a bug in precision ({failure.GetType().Name}: {FirstLine(failure.Message)}). Please report it at {IssueTracker}; {where}.");
        if (verbose)
        {
            error.WriteLine(details);
        }

        return ExitCodes.Failure;
    }

    private static string Details(Exception failure, IReadOnlyList<string> args) => string.Create(CultureInfo.InvariantCulture, $"""
        precision {typeof(BugReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?"} on .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}
        time: {DateTimeOffset.UtcNow:O}
        arguments: {string.Join(' ', args.Select(a => a.Length > 200 ? a[..200] + $"…({a.Length} characters)" : a))}
        {failure}
        """);

    private static string? TryWrite(string details)
    {
        try
        {
            var file = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"precision-bug-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}.log"));
            File.WriteAllText(file, details);
            return file;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
