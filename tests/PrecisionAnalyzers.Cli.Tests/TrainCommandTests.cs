using System.Diagnostics;
using System.Text.Json;
using PrecisionAnalyzers.Runtime.Adapters;
using PrecisionAnalyzers.Runtime.Training;

namespace PrecisionAnalyzers.Cli.Tests;

public sealed class TrainCommandTests : IDisposable
{
    private static readonly string[] Lines =
    [
        "The quick brown fox jumps over the lazy dog.",
        "Float16 overflows past 65504, so Gemma needs bfloat16.",
        "A generation cache has no place in training.",
    ];

    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private async Task<(string Model, string Data)> DemoModelAndData()
    {
        var model = Path.Combine(_root.Path, "base");
        var (code, _, error) = await CliRunner.RunAsync("demo", "--out", model);
        Assert.True(code == 0, error);
        return (model, _root.Write("data.txt", string.Join("\n", Lines) + "\n"));
    }

    [Fact]
    public async Task Train_json_reports_a_falling_loss_a_PEFT_checkpoint_and_the_cache_warning()
    {
        var (model, data) = await DemoModelAndData();
        var output = Path.Combine(_root.Path, "runs");

        var (code, stdout, error) = await CliRunner.RunAsync(
            "train", model, "--data", data, "--dtype", "bfloat16", "--steps", "24", "--lr", "1e-2", "--lora-targets", "all-linear", "--lora-dropout", "0",
            "--out", output, "--merge", Path.Combine(_root.Path, "merged"), "--json");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(24, root.GetProperty("steps").GetInt32());
        Assert.Equal("bfloat16", root.GetProperty("dtype").GetString());
        Assert.True(root.GetProperty("finalLoss").GetDouble() < 0.6 * root.GetProperty("initialLoss").GetDouble(), stdout);
        var checkpoint = root.GetProperty("checkpoint").GetString()!;
        Assert.Equal(Path.Combine(output, "checkpoint-24"), checkpoint);
        Assert.True(PeftAdapterFormat.Exists(checkpoint));
        Assert.Contains(root.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "PREC105");
        Assert.Equal(Path.Combine(_root.Path, "merged"), root.GetProperty("merged").GetString());

        // The merged checkpoint, and the base with the adapter, generate the same greedy tokens.
        var (runCode, merged, runError) = await CliRunner.RunAsync("run", Path.Combine(_root.Path, "merged"), "--prompt", "The quick", "--max-new-tokens", "6", "--dtype", "bfloat16", "--json");
        Assert.True(runCode == 0, runError);
        var (adapterCode, adapted, adapterError) = await CliRunner.RunAsync("run", model, "--adapter", checkpoint, "--prompt", "The quick", "--max-new-tokens", "6", "--dtype", "bfloat16", "--json");
        Assert.True(adapterCode == 0, adapterError);
        var (_, plain, _) = await CliRunner.RunAsync("run", model, "--prompt", "The quick", "--max-new-tokens", "6", "--dtype", "bfloat16", "--json");
        static string Tokens(string json) => JsonDocument.Parse(json).RootElement.GetProperty("tokens").GetRawText();
        Assert.Equal(Tokens(merged), Tokens(adapted));
        Assert.NotEqual(Tokens(plain), Tokens(adapted));

        var (badCode, badOutput, badError) = await CliRunner.RunAsync("run", model, "--adapter", output, "--prompt-tokens", "1,2", "--json");
        Assert.Equal(2, badCode);
        Assert.Equal("", badOutput);
        Assert.Contains("not a LoRA adapter folder", badError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_continues_from_the_latest_checkpoint_in_the_folder()
    {
        var (model, data) = await DemoModelAndData();
        var output = Path.Combine(_root.Path, "runs");
        var (first, _, firstError) = await CliRunner.RunAsync("train", model, "--data", data, "--steps", "4", "--save-every", "2", "--out", output, "--json");
        Assert.True(first == 0, firstError);

        var (code, stdout, error) = await CliRunner.RunAsync("train", model, "--data", data, "--steps", "6", "--resume", output, "--json");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(6, root.GetProperty("steps").GetInt32());
        Assert.Equal(Path.Combine(output, "checkpoint-4"), root.GetProperty("resumedFrom").GetString());
        Assert.Equal(Path.Combine(output, "checkpoint-6"), root.GetProperty("checkpoint").GetString());
        Assert.Equal(6, TrainingCheckpoint.ReadState(Path.Combine(output, "checkpoint-6")).Losses.Count);
    }

    [Theory]
    [InlineData("{\"text\": 3}\n", "data.jsonl:1")]
    [InlineData("\n", "no examples")]
    public async Task Bad_data_is_exit_2_with_nothing_on_stdout_and_nothing_written(string content, string message)
    {
        var (model, _) = await DemoModelAndData();
        var data = _root.Write("data.jsonl", content);
        var output = Path.Combine(_root.Path, "runs");

        var (code, stdout, error) = await CliRunner.RunAsync("train", model, "--data", data, "--steps", "2", "--out", output, "--json");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("--lora-rank", "0", "rank")]
    [InlineData("--lora-targets", "lm_head", "unknown LoRA target")]
    [InlineData("--lr", "-1", "learning rate")]
    public async Task Bad_settings_are_exit_2(string option, string value, string message)
    {
        var (model, data) = await DemoModelAndData();

        var (code, stdout, error) = await CliRunner.RunAsync("train", model, "--data", data, option, value, "--json");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains(message, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Resuming_with_another_rank_is_refused()
    {
        var (model, data) = await DemoModelAndData();
        var output = Path.Combine(_root.Path, "runs");
        Assert.Equal(0, (await CliRunner.RunAsync("train", model, "--data", data, "--steps", "2", "--out", output, "--json")).ExitCode);

        var (code, _, error) = await CliRunner.RunAsync("train", model, "--data", data, "--steps", "4", "--resume", output, "--lora-rank", "4", "--json");

        Assert.Equal(2, code);
        Assert.Contains("other LoRA settings", error, StringComparison.Ordinal);
        Assert.Equal([2], TrainingCheckpoint.List(output).Select(c => c.Step));
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task A_signal_stops_training_with_exit_130_naming_the_last_whole_checkpoint(string signal)
    {
        var (model, data) = await DemoModelAndData();
        var output = Path.Combine(_root.Path, "runs");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "precision.dll"), "train", model, "--data", data, "--steps", "100000", "--save-every", "2", "--out", output })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var errorTask = process.StandardError.ReadToEndAsync();
        string? line;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            while ((line = await process.StandardOutput.ReadLineAsync(timeout.Token)) is not null && !line.Contains("saved", StringComparison.Ordinal))
            {
            }
        }

        Assert.NotNull(line);
        using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var error = await errorTask;

        Assert.Equal(130, process.ExitCode);
        var checkpoints = TrainingCheckpoint.List(output);
        Assert.NotEmpty(checkpoints);
        Assert.Contains($"the last checkpoint is {checkpoints[^1].Folder}", error, StringComparison.Ordinal);
        Assert.All(Directory.GetFileSystemEntries(output), entry => Assert.StartsWith("checkpoint-", Path.GetFileName(entry), StringComparison.Ordinal));
        Assert.True(PeftAdapterFormat.Exists(checkpoints[^1].Folder));
        Assert.Equal(checkpoints[^1].Step, TrainingCheckpoint.ReadState(checkpoints[^1].Folder).Step);
    }
}
