namespace PrecisionAnalyzers.Cli.Tests;

/// <summary>Runs the precision command in process, capturing stdout and stderr.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await PrecisionApp.RunAsync(args, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Runs the command on a worker thread and fails the test when it does not end within <paramref name="timeout"/> (a hang).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunWithinAsync(TimeSpan timeout, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => PrecisionApp.RunAsync(args, output, error, stop.Token));
        try
        {
            var code = await run.WaitAsync(timeout);
            return (code, output.ToString(), error.ToString());
        }
        catch (TimeoutException)
        {
            await stop.CancelAsync();
            throw new TimeoutException($"precision {string.Join(' ', args)} did not end within {timeout}.");
        }
    }
}

/// <summary>A temporary folder deleted after the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("precision-cli-").FullName;
    }

    public string Path { get; }

    public string Write(string relative, string text)
    {
        var file = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
