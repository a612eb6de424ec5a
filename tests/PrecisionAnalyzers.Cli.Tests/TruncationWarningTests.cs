using System.Text.Json;

namespace PrecisionAnalyzers.Cli.Tests;

/// <summary><c>embed</c> and <c>run</c> say when an input is cut to fit the model (PREC109), with the lengths, in text and JSON.</summary>
public sealed class TruncationWarningTests : IDisposable
{
    private static readonly string Stories = Path.Combine(AppContext.BaseDirectory, "models", "stories260K");

    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private async Task<string> EncoderAsync()
    {
        var folder = Path.Combine(_root.Path, "bert");
        var (code, _, error) = await CliRunner.RunAsync("demo", "--out", folder, "--family", "bert");
        Assert.True(code == 0, error);
        return folder;
    }

    // The tiny BERT's max_seq_length is 32: [CLS] + 100 × "hello world" (2 tokens each) + [SEP] is 202 tokens.
    private static readonly string LongText = string.Join(' ', Enumerable.Repeat("hello world", 100));

    [Fact]
    public async Task Embed_json_lists_each_truncated_text_with_its_lengths_and_a_PREC109()
    {
        var folder = await EncoderAsync();

        var (code, output, error) = await CliRunner.RunAsync("embed", folder, "--text", "short", "--text", LongText, "--json");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        var truncated = Assert.Single(root.GetProperty("truncated").EnumerateArray());
        Assert.Equal(1, truncated.GetProperty("index").GetInt32());
        Assert.Equal(202, truncated.GetProperty("inputTokens").GetInt32());
        Assert.Equal(32, truncated.GetProperty("limit").GetInt32());
        Assert.Equal(32, truncated.GetProperty("keptTokens").GetInt32());
        Assert.Equal("start", truncated.GetProperty("kept").GetString());
        var warning = Assert.Single(root.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "PREC109");
        Assert.Contains("202 tokens", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embed_text_output_warns_and_texts_that_fit_give_no_warning()
    {
        var folder = await EncoderAsync();

        var (code, output, error) = await CliRunner.RunAsync("embed", folder, "--text", LongText);
        var (fitCode, fits, _) = await CliRunner.RunAsync("embed", folder, "--text", "short", "--json");

        Assert.True(code == 0, error);
        Assert.Contains("warning PREC109", output, StringComparison.Ordinal);
        Assert.Contains("202 tokens", output, StringComparison.Ordinal);
        Assert.Equal(0, fitCode);
        var root = JsonDocument.Parse(fits).RootElement;
        Assert.Empty(root.GetProperty("truncated").EnumerateArray());
        Assert.DoesNotContain(root.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "PREC109");
    }

    [Fact]
    public async Task Run_with_context_overflow_truncate_keeps_the_end_of_a_prompt_longer_than_the_context_and_says_so()
    {
        // stories260K reads 512 positions: BOS + 600 ids, with room for 12 new tokens, keeps the last 500.
        var prompt = string.Join(',', new[] { 1 }.Concat(Enumerable.Repeat(new[] { 403, 407, 261, 378 }, 150).SelectMany(x => x)));

        var (code, output, error) = await CliRunner.RunAsync("run", Stories, "--prompt-tokens", prompt, "--max-new-tokens", "12", "--context-overflow", "truncate", "--dtype", "float32", "--json");
        var (textCode, text, textError) = await CliRunner.RunAsync("run", Stories, "--prompt-tokens", prompt, "--max-new-tokens", "12", "--context-overflow", "truncate", "--dtype", "float32");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(500, root.GetProperty("promptTokens").GetArrayLength());
        Assert.Equal(12, root.GetProperty("tokens").GetArrayLength());
        var truncated = Assert.Single(root.GetProperty("truncated").EnumerateArray());
        Assert.Equal(601, truncated.GetProperty("inputTokens").GetInt32());
        Assert.Equal(512, truncated.GetProperty("limit").GetInt32());
        Assert.Equal(500, truncated.GetProperty("keptTokens").GetInt32());
        Assert.Equal("end", truncated.GetProperty("kept").GetString());
        Assert.Contains(root.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "PREC109");
        Assert.True(textCode == 0, textError);
        Assert.Contains("prompt of 500 tokens", text, StringComparison.Ordinal);
        Assert.Contains("warning PREC109", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_with_a_prompt_that_fits_has_no_truncation_and_too_many_new_tokens_is_bad_input()
    {
        var (code, output, error) = await CliRunner.RunAsync("run", Stories, "--prompt-tokens", "1,403", "--max-new-tokens", "3", "--dtype", "float32", "--json");
        var (tooMany, nothing, message) = await CliRunner.RunAsync("run", Stories, "--prompt-tokens", "1,403", "--max-new-tokens", "512", "--json");

        Assert.True(code == 0, error);
        Assert.Empty(JsonDocument.Parse(output).RootElement.GetProperty("truncated").EnumerateArray());
        Assert.Equal(2, tooMany);
        Assert.Equal(string.Empty, nothing);
        Assert.Contains("max_position_embeddings", message, StringComparison.Ordinal);
    }
}
