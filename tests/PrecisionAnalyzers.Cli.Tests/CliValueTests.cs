namespace PrecisionAnalyzers.Cli.Tests;

/// <summary>Out-of-range values and unusable paths on the command line: exit 2 naming the flag or path, nothing on stdout, no stack trace.</summary>
public sealed class CliValueTests : IDisposable
{
    private static readonly string Stories = Path.Combine(AppContext.BaseDirectory, "models", "stories260K");

    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Theory]
    [InlineData("--top-p", "NaN")]
    [InlineData("--top-p", "0")]
    [InlineData("--top-p", "1.5")]
    [InlineData("--temperature", "NaN")]
    [InlineData("--temperature", "-1")]
    [InlineData("--temperature", "Infinity")]
    [InlineData("--top-k", "-3")]
    [InlineData("--max-new-tokens", "0")]
    [InlineData("--max-new-tokens", "-5")]
    [InlineData("--max-new-tokens", "2000000000")]
    public async Task Run_refuses_a_generation_value_naming_its_flag(string flag, string value)
    {
        var (code, output, error) = await CliRunner.RunWithinAsync(Limit, "run", Stories, "--prompt-tokens", "1,2", flag, value);

        AssertBadInput(code, output, error, flag);
    }

    [Theory]
    [InlineData("--top-p", "NaN")]
    [InlineData("--temperature", "-0.5")]
    [InlineData("--max-new-tokens", "0")]
    public async Task Chat_refuses_a_generation_value_naming_its_flag(string flag, string value)
    {
        var (code, output, error) = await CliRunner.RunWithinAsync(Limit, "chat", Stories, flag, value);

        AssertBadInput(code, output, error, flag);
    }

    [Fact]
    public async Task Plan_refuses_a_context_past_the_model_instead_of_overflowing()
    {
        var (code, output, error) = await CliRunner.RunWithinAsync(Limit, "plan", Stories, "--context", "9223372036854775807");

        AssertBadInput(code, output, error, "--context");
        Assert.Contains("512", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logits_naming_a_folder_is_refused_before_generating()
    {
        var (code, output, error) = await CliRunner.RunWithinAsync(Limit, "run", Stories, "--prompt-tokens", "1,2", "--logits", _root.Path);

        AssertBadInput(code, output, error, "--logits");
        Assert.Contains("is a folder", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logits_in_an_unwritable_folder_is_refused_and_nothing_is_written()
    {
        // /sys refuses new files even to root (tests may run as root, for whom file modes do not forbid anything).
        var (code, output, error) = await CliRunner.RunWithinAsync(Limit, "run", Stories, "--prompt-tokens", "1,2", "--max-new-tokens", "2", "--logits", "/sys/precision-logits.npy", "--json");

        AssertBadInput(code, output, error, "--logits");
        Assert.Contains("cannot write in /sys", error, StringComparison.Ordinal);
        Assert.False(File.Exists("/sys/precision-logits.npy"));
    }

    [Fact]
    public async Task Embed_file_naming_a_folder_says_it_is_a_folder()
    {
        var (code, output, error) = await CliRunner.RunWithinAsync(Limit, "embed", _root.Path, "--file", _root.Path);

        AssertBadInput(code, output, error, "--file");
        Assert.Contains("is a folder", error, StringComparison.Ordinal);
        Assert.DoesNotContain("does not exist", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/proc/self/status")]
    public async Task Embed_file_refuses_a_device_or_a_file_without_a_length_instead_of_reading_forever(string path)
    {
        var (code, output, error) = await CliRunner.RunWithinAsync(Limit, "embed", _root.Path, "--file", path);

        AssertBadInput(code, output, error, "--file");
        Assert.Contains("not a regular file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embed_file_past_the_size_limit_is_refused_without_reading_it()
    {
        var big = Path.Combine(_root.Path, "big.txt");
        using (var stream = File.Create(big))
        {
            stream.SetLength(65L * 1024 * 1024); // sparse: no 65 MiB written
        }

        var (code, output, error) = await CliRunner.RunWithinAsync(Limit, "embed", _root.Path, "--file", big);

        AssertBadInput(code, output, error, "--file");
        Assert.Contains("64 MiB", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--steps", "0")]
    [InlineData("--save-every", "0")]
    [InlineData("--batch-size", "-1")]
    [InlineData("--grad-accum", "0")]
    [InlineData("--max-length", "0")]
    [InlineData("--warmup", "-2")]
    [InlineData("--lr", "NaN")]
    [InlineData("--lora-alpha", "Infinity")]
    [InlineData("--lora-dropout", "1")]
    public async Task Train_names_the_flag_not_the_property(string flag, string value)
    {
        var model = Path.Combine(_root.Path, "base");
        var (made, _, madeError) = await CliRunner.RunAsync("demo", "--out", model);
        Assert.True(made == 0, madeError);
        var data = _root.Write("data.txt", "one line of text\n");

        var (code, output, error) = await CliRunner.RunWithinAsync(Limit, "train", model, "--data", data, flag, value, "--json");

        AssertBadInput(code, output, error, flag);
        Assert.DoesNotContain("Parameter '", error, StringComparison.Ordinal);
    }

    private static void AssertBadInput(int code, string output, string error, string named)
    {
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", error, StringComparison.Ordinal);
    }
}
