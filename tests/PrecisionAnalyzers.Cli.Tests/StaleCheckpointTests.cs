namespace PrecisionAnalyzers.Cli.Tests;

/// <summary>An interrupted save leaves <c>.checkpoint-N.XXXXXXXX.tmp</c>; the next run or resume in that folder removes it and says so.</summary>
public sealed class StaleCheckpointTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private string Leftover(string output, int step, string suffix)
    {
        // What AtomicFolder leaves when the process dies mid-save: a hidden sibling holding part of the checkpoint.
        var folder = Path.Combine(output, $".checkpoint-{step}.{suffix}.tmp");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "adapter_config.json"), "{\"r\": 8");
        return folder;
    }

    [Fact]
    public async Task A_new_run_and_a_resume_remove_the_temporaries_of_an_interrupted_save()
    {
        var model = Path.Combine(_root.Path, "base");
        var (made, _, madeError) = await CliRunner.RunAsync("demo", "--out", model);
        Assert.True(made == 0, madeError);
        var data = _root.Write("data.txt", "one line of text\nanother line\n");
        var output = Path.Combine(_root.Path, "runs");
        var first = Leftover(output, 2, "0123abcd");
        var unrelated = Path.Combine(output, ".notes.tmp");
        Directory.CreateDirectory(unrelated);

        var (code, _, error) = await CliRunner.RunWithinAsync(Limit, "train", model, "--data", data, "--steps", "2", "--out", output, "--json");

        Assert.True(code == 0, error);
        Assert.False(Directory.Exists(first));
        Assert.Contains($"removed {first}", error, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(output, "checkpoint-2")));
        Assert.True(Directory.Exists(unrelated));

        var second = Leftover(output, 4, "89abcdef");
        var (resumed, _, resumeError) = await CliRunner.RunWithinAsync(Limit, "train", model, "--data", data, "--steps", "4", "--resume", output, "--json");

        Assert.True(resumed == 0, resumeError);
        Assert.False(Directory.Exists(second));
        Assert.Contains($"removed {second}", resumeError, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(output, "checkpoint-4")));
    }
}
