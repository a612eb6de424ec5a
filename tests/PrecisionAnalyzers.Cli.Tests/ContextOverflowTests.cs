using System.Text.Json;
using PrecisionAnalyzers.Tests.Shared;

namespace PrecisionAnalyzers.Cli.Tests;

/// <summary>
/// <c>run</c> and <c>chat</c> check the prompt and <c>--max-new-tokens</c> against the model's context before reading any
/// weight: refused with both numbers by default, or ended at the limit (PREC110) with <c>--context-overflow stop</c>.
/// </summary>
public sealed class ContextOverflowTests : IDisposable
{
    private static readonly string Stories = Path.Combine(AppContext.BaseDirectory, "models", "stories260K");

    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    // stories260K reads 512 positions; ids 403, 407, 261, 378 are ordinary tokens.
    private static string Ids(int count) => string.Join(',', new[] { 1 }.Concat(Enumerable.Range(0, count - 1).Select(i => new[] { 403, 407, 261, 378 }[i % 4])));

    [Fact]
    public async Task A_prompt_past_the_context_is_refused_with_both_numbers_and_nothing_on_stdout()
    {
        var (code, output, error) = await CliRunner.RunWithinAsync(Limit, "run", Stories, "--prompt-tokens", Ids(601), "--max-new-tokens", "12", "--json");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("601 tokens", error, StringComparison.Ordinal);
        Assert.Contains("--max-new-tokens is 12", error, StringComparison.Ordinal);
        Assert.Contains("context of 512 tokens (max_position_embeddings)", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prompt_that_fits_with_too_many_new_tokens_is_told_how_many_fit()
    {
        var (code, output, error) = await CliRunner.RunWithinAsync(Limit, "run", Stories, "--prompt-tokens", Ids(500), "--max-new-tokens", "20", "--json");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("--max-new-tokens 12 or less", error, StringComparison.Ordinal);
        Assert.Contains("--context-overflow stop", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_huge_text_prompt_is_refused_before_anything_is_allocated()
    {
        // 130,000 characters: run in native code, its attention scores alone would need tens of gigabytes.
        var prompt = string.Concat(Enumerable.Repeat("Once upon a time there was a dog. ", 130_000 / 34 + 1))[..130_000];
        var before = Runtime.Diagnostics.ProcessMemory.PeakResidentBytes();

        var (code, output, error) = await CliRunner.RunWithinAsync(Limit, "run", Stories, "--prompt", prompt, "--max-new-tokens", "8");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("context of 512 tokens", error, StringComparison.Ordinal);
        // The refusal comes before the weights: the process's peak did not grow by anything like an attention matrix.
        Assert.True(Runtime.Diagnostics.ProcessMemory.PeakResidentBytes() - before < 1L << 30, error);
    }

    [Fact]
    public async Task With_stop_generation_ends_at_the_limit_with_PREC110()
    {
        var (code, output, error) = await CliRunner.RunWithinAsync(Limit, "run", Stories, "--prompt-tokens", Ids(500), "--max-new-tokens", "20", "--context-overflow", "stop", "--dtype", "float32", "--json");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(500, root.GetProperty("promptTokens").GetArrayLength());
        var generated = root.GetProperty("tokens").GetArrayLength();
        var stop = root.GetProperty("stopReason").GetString();
        // Greedy stories260K may end its story (EOS) first; otherwise it fills the context exactly.
        Assert.True((stop == "contextLimit" && generated == 12) || (stop == "stopToken" && generated <= 12), output);
        if (stop == "contextLimit")
        {
            var warning = Assert.Single(root.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "PREC110");
            Assert.Contains("12 of the 20", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_chat_answer_stops_at_the_end_of_the_context_and_refuse_refuses_it_but_keeps_the_session()
    {
        var folder = ChatModelFixture.Write(Path.Combine(_root.Path, "chat-model"));

        var (code, output, error) = await ChatAsync("hello\n/exit\n", folder, "--dtype", "float32", "--max-new-tokens", "1000", "--temperature", "0");
        var (refusedCode, refusedOutput, refused) = await ChatAsync("hello\n/help\n/exit\n", folder, "--dtype", "float32", "--max-new-tokens", "1000", "--context-overflow", "refuse");

        Assert.True(code == 0, error);
        Assert.DoesNotContain("error", error, StringComparison.Ordinal);
        Assert.Contains("tokens after a prompt", output, StringComparison.Ordinal);
        Assert.Equal(0, refusedCode);
        Assert.Contains("context of 256 tokens", refused, StringComparison.Ordinal);
        Assert.Contains("/reset clears the conversation", refused, StringComparison.Ordinal);
        Assert.Contains("/reset clears the conversation, /system TEXT", refusedOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endless_chat_line_is_refused_instead_of_filling_memory()
    {
        var folder = ChatModelFixture.Write(Path.Combine(_root.Path, "chat-model"));

        var (code, _, error) = await ChatAsync(new EndlessReader(), folder, "--dtype", "float32", "--max-new-tokens", "2");

        Assert.Equal(2, code);
        Assert.Contains("longer than 1048576 characters", error, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Output, string Error)> ChatAsync(string input, params string[] args) => ChatAsync(new StringReader(input), args);

    private static async Task<(int Code, string Output, string Error)> ChatAsync(TextReader input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Task.Run(() => PrecisionApp.RunAsync(["chat", .. args], input, output, error, CancellationToken.None)).WaitAsync(Limit);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>stdin that never ends and has no newline, as <c>&lt; /dev/zero</c>.</summary>
    private sealed class EndlessReader : TextReader
    {
        public override int Read() => 'x';

        public override int Peek() => 'x';
    }
}
