using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Runtime.Tests.Tokenization;

public sealed class CheckpointTokenizerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("precision-tok-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void WriteTokenizer(bool mergesAsPairs = false, string? eosTokenConfig = null)
    {
        PrecisionAnalyzers.Tests.Shared.ByteLevelTokenizerFixture.Write(_folder, mergesAsPairs);
        if (eosTokenConfig is not null)
        {
            File.WriteAllText(Path.Combine(_folder, "tokenizer_config.json"), eosTokenConfig);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Encodes_with_the_merges_to_the_ids_worked_out_by_hand(bool mergesAsPairs)
    {
        WriteTokenizer(mergesAsPairs);

        var tokenizer = CheckpointTokenizer.Load(_folder);

        // "hello" merges all the way; " world" is Ġw, or, l, d.
        Assert.Equal(new[] { 259, 260, 261, 'l', 'd' }, tokenizer.Encode("hello world"));
        Assert.Equal(new[] { 259, 262 }, tokenizer.Encode("hello<|endoftext|>"));
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("héllo, naïve café")]
    [InlineData("数値の精度 🙂 👩‍💻")]
    [InlineData("tabs\tand\nnew lines  two spaces")]
    public void Decoding_gives_back_the_text_exactly(string text)
    {
        WriteTokenizer();
        var tokenizer = CheckpointTokenizer.Load(_folder);

        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void Stop_tokens_come_from_generation_config_then_config_then_the_eos_token()
    {
        WriteTokenizer(eosTokenConfig: """{"eos_token": {"content": "<|endoftext|>"}, "add_bos_token": false}""");
        Assert.Equal(new[] { 262 }, CheckpointTokenizer.Load(_folder).StopTokenIds);

        File.WriteAllText(Path.Combine(_folder, "config.json"), """{"eos_token_id": 7}""");
        Assert.Equal(new[] { 7 }, CheckpointTokenizer.Load(_folder).StopTokenIds);

        File.WriteAllText(Path.Combine(_folder, "generation_config.json"), """{"eos_token_id": [1, 106]}""");
        Assert.Equal(new[] { 1, 106 }, CheckpointTokenizer.Load(_folder).StopTokenIds);
    }

    [Fact]
    public void A_beginning_of_sequence_token_is_added_when_the_config_says_so()
    {
        WriteTokenizer(eosTokenConfig: """{"bos_token": "<|endoftext|>", "add_bos_token": true}""");

        var tokenizer = CheckpointTokenizer.Load(_folder);

        Assert.Equal(262, tokenizer.BeginningOfSequenceId);
        Assert.Equal(new[] { 262, 259 }, tokenizer.Encode("hello"));
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("""{"model": {"type": "WordPiece", "vocab": {}}}""", "WordPiece")]
    [InlineData("""{"model": {"type": "BPE"}}""", "vocab")]
    [InlineData("""{"version": "1.0"}""", "no \"model\"")]
    public void Unreadable_tokenizers_are_refused_naming_the_file(string json, string fragment)
    {
        var path = Path.Combine(_folder, "tokenizer.json");
        File.WriteAllText(path, json);

        var error = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder));

        Assert.Equal(path, error.FilePath);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_a_tokenizer_says_so()
    {
        Assert.False(CheckpointTokenizer.Exists(_folder));
        Assert.Contains("neither tokenizer.json nor tokenizer.model", Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder)).Message, StringComparison.Ordinal);
    }
}
