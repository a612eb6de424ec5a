using System.CommandLine;
using PrecisionAnalyzers.Cli.Commands;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;

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
        catch (Exception e) when (IsBadInput(e))
        {
            await error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("cancelled").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
        catch (TorchSharpLoadException e)
        {
            await error.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private static bool IsBadInput(Exception e) => e is BadInputException or ModelConfigException or SafetensorsFormatException or WeightMappingException or Runtime.Adapters.AdapterFormatException
        or Runtime.Chat.ChatTemplateException or Runtime.Tokenization.TokenizerException;
}
