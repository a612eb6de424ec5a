using System.CommandLine;
using PrecisionAnalyzers.Cli.Commands;

namespace PrecisionAnalyzers.Cli;

/// <summary>The <c>precision</c> command: parses arguments, runs a verb, maps failures to exit codes.</summary>
public static class PrecisionApp
{
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        RunAsync(args, TextReader.Null, output, error, cancellationToken);

    /// <summary>Runs the command with <paramref name="input"/> as the user's lines (for <c>chat</c>).</summary>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var console = new CliConsole(output, error, input);
        var root = new RootCommand("precision: plan, load and run Hugging Face style checkpoints on TorchSharp in the right dtype.")
        {
            DoctorCommand.Create(console),
            PlanCommand.Create(console),
            RunCommand.Create(console),
            ChatCommand.Create(console),
            DemoCommand.Create(console),
            EmbedCommand.Create(console),
            TrainCommand.Create(console),
            ServeCommand.Create(console),
        };
        var verbose = new Option<bool>("--verbose") { Description = "On an unexpected failure (a bug), print the details on stderr as well.", Recursive = true };
        root.Options.Add(verbose);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync("error: " + parseError.Message).ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run 'precision --help' for usage.").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }

        try
        {
            var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return await parsed.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The last resort: no stack trace reaches the user. Expected failures say what and exit 2 or 3; anything else is a bug.
            if (FailureExitCodes.Map(e) is not { } failure)
            {
                return BugReport.Report(e, args, error, parsed.GetValue(verbose));
            }

            await error.WriteLineAsync(failure.ExitCode == ExitCodes.Cancelled ? failure.Message : "error: " + failure.Message).ConfigureAwait(false);
            return failure.ExitCode;
        }
    }
}
