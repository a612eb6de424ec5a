using System.Globalization;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Chat;
using PrecisionAnalyzers.Runtime.Planning;
using Spectre.Console;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>
/// The read-answer loop of <c>precision chat</c>: keeps the history, handles /reset, /system, /exit, streams answers,
/// and lets Ctrl+C stop the current answer (the partial answer stays in the history).
/// </summary>
internal sealed class ChatSession(CliConsole console, CausalLM model, ChatOptions options, string? system)
{
    private readonly List<ChatMessage> _history = [];
    private readonly Lock _gate = new();
    private string? _system = string.IsNullOrWhiteSpace(system) ? null : system;
    private CancellationTokenSource? _answer;

    public int Run(CancellationToken cancellationToken)
    {
        using var interrupts = ConsoleInterrupts.Register(StopAnswer);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            console.Output.Write("> ");
            console.Output.Flush();
            var line = BoundedText.ReadLine(console.Input);
            if (line is null)
            {
                console.Output.WriteLine();
                return ExitCodes.Success;
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('/'))
            {
                if (!Command(line))
                {
                    return ExitCodes.Success;
                }

                continue;
            }

            Answer(line, cancellationToken);
        }
    }

    /// <summary>Handles a /command; false for /exit.</summary>
    private bool Command(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var name = space < 0 ? line : line[..space];
        var argument = space < 0 ? string.Empty : line[(space + 1)..].Trim();
        switch (name)
        {
            case "/exit" or "/quit":
                return false;
            case "/reset":
                _history.Clear();
                console.Human.MarkupLine("[grey](conversation cleared)[/]");
                return true;
            case "/system":
                _system = argument.Length == 0 ? null : argument;
                console.Human.MarkupLine(_system is null ? "[grey](system prompt removed)[/]" : $"[grey](system prompt: {Markup.Escape(_system)})[/]");
                return true;
            case "/help":
                console.Human.MarkupLine("[grey]/reset clears the conversation, /system TEXT sets the system prompt (/system alone removes it), /exit ends; Ctrl+C stops an answer.[/]");
                return true;
            default:
                console.Human.MarkupLine($"[yellow]unknown command {Markup.Escape(name)}[/]: /reset, /system TEXT, /exit, /help");
                return true;
        }
    }

    private void Answer(string text, CancellationToken cancellationToken)
    {
        var messages = new List<ChatMessage>();
        if (_system is not null)
        {
            messages.Add(ChatMessage.System(_system));
        }

        messages.AddRange(_history);
        messages.Add(ChatMessage.User(text));
        using var answer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lock (_gate)
        {
            _answer = answer;
        }

        var streamed = new System.Text.StringBuilder();
        try
        {
            var result = model.Chat(messages, options, token =>
            {
                if (token.Restarted)
                {
                    console.Output.WriteLine();
                    console.Human.MarkupLine($"[yellow]non-finite activations: answering again in {DtypeRules.Name(token.Token.Dtype)}[/]");
                    streamed.Clear();
                }

                streamed.Append(token.Text);
                console.Output.Write(token.Text.Replace("\uFFFD", $"⟨{token.Token.TokenId}⟩", StringComparison.Ordinal));
                console.Output.Flush();
            }, answer.Token);
            console.Output.WriteLine();
            foreach (var warning in result.Generation.Warnings)
            {
                console.Human.MarkupLine($"[yellow]warning {warning.Code}[/]: {Markup.Escape(warning.Message)}");
            }

            console.Human.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"[grey]({result.Generation.Tokens.Count} tokens after a prompt of {result.Prompt.TokenIds.Count}, {result.Generation.DecodeTokensPerSecond:F1} tok/s{result.Generation.StopReason switch { Runtime.Models.StopReason.MaxNewTokens => ", stopped at --max-new-tokens", Runtime.Models.StopReason.ContextLimit => ", stopped at the end of the context", _ => string.Empty }})[/]"));
            _history.Add(ChatMessage.User(text));
            _history.Add(ChatMessage.Assistant(result.Text));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            console.Output.WriteLine();
            console.Human.MarkupLine("[grey](answer stopped)[/]");
            _history.Add(ChatMessage.User(text));
            _history.Add(ChatMessage.Assistant(streamed.ToString()));
        }
        catch (ChatTemplateException e)
        {
            console.Error.WriteLine("error: " + e.Message);
        }
        catch (Runtime.Models.ContextLengthException e)
        {
            // The conversation outgrew the context: this answer is refused, the session goes on.
            console.Error.WriteLine("error: " + ContextCheck.Message(e, Runtime.Models.ContextWindow.Source(model.Config)) + " /reset clears the conversation.");
        }
        finally
        {
            lock (_gate)
            {
                _answer = null;
            }
        }
    }

    /// <summary>Ctrl+C: stops the answer being generated; at the prompt, says how to leave.</summary>
    private bool StopAnswer()
    {
        lock (_gate)
        {
            if (_answer is { IsCancellationRequested: false } answer)
            {
                answer.Cancel();
                return true;
            }
        }

        console.Output.WriteLine();
        console.Human.MarkupLine("[grey](no answer to stop: /exit or Ctrl+D ends the chat)[/]");
        console.Output.Write("> ");
        console.Output.Flush();
        return true;
    }
}
