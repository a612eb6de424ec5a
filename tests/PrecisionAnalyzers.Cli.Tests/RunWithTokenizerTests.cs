using System.Text.Json;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Tests.Shared;

namespace PrecisionAnalyzers.Cli.Tests;

public sealed class RunWithTokenizerTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private string ModelWithTokenizer()
    {
        var folder = Path.Combine(_root.Path, "llama-bpe");
        Directory.CreateDirectory(folder);
        var config = $$"""{"model_type":"llama","hidden_size":32,"intermediate_size":64,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"vocab_size":{{ByteLevelTokenizerFixture.VocabularySize}},"max_position_embeddings":64,"torch_dtype":"float32"}""";
        using var model = TinyModelFactory.Random(config);
        File.WriteAllText(Path.Combine(folder, "config.json"), config);
        SafetensorsWriter.Write(Path.Combine(folder, Checkpoint.SingleFile), model.Weights);
        ByteLevelTokenizerFixture.Write(folder);
        File.WriteAllText(Path.Combine(folder, "generation_config.json"), """{"eos_token_id": 262}""");
        return folder;
    }

    [Fact]
    public async Task A_text_prompt_is_tokenized_and_the_answer_decoded()
    {
        var folder = ModelWithTokenizer();

        var (code, output, error) = await CliRunner.RunAsync("run", folder, "--prompt", "hello world", "--max-new-tokens", "6", "--dtype", "float32", "--json");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(new[] { 259, 260, 261, 'l', 'd' }, root.GetProperty("promptTokens").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(JsonValueKind.String, root.GetProperty("text").ValueKind);
        var tokens = root.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.InRange(tokens.Length, 1, 6);
        Assert.True(tokens.Length == 6 || tokens[^1] == 262, "generation stopped early without the stop token");
    }

    [Fact]
    public async Task Streaming_text_to_the_console_ends_with_the_speeds()
    {
        var folder = ModelWithTokenizer();

        var (code, output, error) = await CliRunner.RunAsync("run", folder, "--prompt", "hello", "--max-new-tokens", "4", "--dtype", "float32");

        Assert.True(code == 0, error);
        Assert.Contains("prompt of 1 tokens", output, StringComparison.Ordinal);
        Assert.Contains("tok/s", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tokenizer_that_does_not_belong_to_the_model_is_bad_input()
    {
        var folder = Path.Combine(_root.Path, "small");
        TinyCheckpointWriter.Write(folder, "llama"); // 96 tokens, fewer than the fixture's 263
        ByteLevelTokenizerFixture.Write(folder);

        var (code, output, error) = await CliRunner.RunAsync("run", folder, "--prompt", "hello", "--json");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("do not belong together", error, StringComparison.Ordinal);
    }
}
