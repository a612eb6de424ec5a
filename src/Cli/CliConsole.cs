using Spectre.Console;

namespace PrecisionAnalyzers.Cli;

/// <summary>Where a verb writes: machine output and human reports to <see cref="Output"/>, problems to <see cref="Error"/>.</summary>
public sealed class CliConsole
{
    public CliConsole(TextWriter output, TextWriter error, TextReader? input = null)
    {
        Input = input ?? TextReader.Null;
        Output = output;
        Error = error;
        Human = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = ReferenceEquals(output, Console.Out) ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ReferenceEquals(output, Console.Out) ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = ReferenceEquals(output, Console.Out) ? InteractionSupport.Detect : InteractionSupport.No,
        });
    }

    public TextWriter Output { get; }

    /// <summary>Where interactive verbs (<c>chat</c>) read the user's lines; empty unless given.</summary>
    public TextReader Input { get; }

    public TextWriter Error { get; }

    /// <summary>A Spectre console over <see cref="Output"/>, plain text when it is not a terminal.</summary>
    public IAnsiConsole Human { get; }
}
