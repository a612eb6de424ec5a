using System.Diagnostics;
using PrecisionAnalyzers.Runtime.Models;

namespace PrecisionAnalyzers.Cli.Tests;

/// <summary>
/// Permission errors are "permission denied" naming the file (exit 2), never a missing config or a crash. Root reads
/// everything, so under root the command runs as <c>nobody</c> through <c>setpriv</c>: the test means the same either way.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class UnreadableModelTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("precision-unreadable-").FullName;
    private readonly string _folder;

    public UnreadableModelTests()
    {
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        _folder = Path.Combine(_root, "model");
        TinyCheckpointWriter.Write(_folder, "llama");
        File.SetUnixFileMode(_folder, (UnixFileMode)0b111_101_101);
        foreach (var file in Directory.EnumerateFiles(_folder))
        {
            File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
        }
    }

    public void Dispose()
    {
        File.SetUnixFileMode(_folder, (UnixFileMode)0b111_101_101);
        Directory.Delete(_root, recursive: true);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return await CliRunner.RunAsync(args).WaitAsync(TimeSpan.FromSeconds(120));
        }

        var start = new ProcessStartInfo("setpriv") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "--", "dotnet", Path.Combine(AppContext.BaseDirectory, "precision.dll") }.Concat(args))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = Path.GetTempPath();
        start.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task An_unreadable_model_folder_is_permission_denied_not_a_missing_config()
    {
        File.SetUnixFileMode(_folder, UnixFileMode.None);

        var (code, output, error) = await RunAsync("plan", _folder, "--hardware", "a100-80gb");

        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Equal("", output);
        Assert.Contains("config.json: cannot be read: permission denied", error, StringComparison.Ordinal);
        Assert.DoesNotContain("has no config.json", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("config.json", "plan")]
    [InlineData("model.safetensors", "plan")]
    [InlineData("model.safetensors", "run")]
    public async Task An_unreadable_file_is_permission_denied_naming_it(string file, string verb)
    {
        File.SetUnixFileMode(Path.Combine(_folder, file), UnixFileMode.None);
        string[] args = verb == "plan"
            ? ["plan", _folder, "--hardware", "a100-80gb"]
            : ["run", _folder, "--prompt-tokens", "1,2", "--max-new-tokens", "1", "--dtype", "float32"];

        var (code, _, error) = await RunAsync(args);

        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains($"{file}: cannot be read: permission denied", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }
}
