using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Runtime.Tests.Tokenization;

public sealed class TokenizerErrorTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void MissingTokenizerNamesBothFiles()
    {
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Contains("tokenizer.json", ex.Message);
        Assert.Contains("tokenizer.model", ex.Message);
    }

    [Theory]
    [InlineData("WordPiece")]
    [InlineData("Unigram")]
    [InlineData("WordLevel")]
    public void UnsupportedModelTypeSaysWhatIsSupported(string type)
    {
        _folder.Write("tokenizer.json", $$"""{ "model": { "type": "{{type}}", "vocab": { "a": 0 } } }""");
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Contains("tokenizer.json", ex.Message);
        Assert.Contains(type, ex.Message);
        Assert.Contains("byte-level BPE", ex.Message);
        Assert.Contains("SentencePiece", ex.Message);
    }

    [Fact]
    public void BpeWithoutByteLevelIsRefused()
    {
        _folder.Write("tokenizer.json", """{ "model": { "type": "BPE", "vocab": { "a": 0 }, "merges": [] }, "decoder": { "type": "Metaspace" } }""");
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Contains("tokenizer.json", ex.Message);
        Assert.Contains("ByteLevel", ex.Message);
    }

    [Fact]
    public void MalformedTokenizerJsonIsReported()
    {
        _folder.Write("tokenizer.json", "{ \"model\": { \"type\": \"BPE\", ");
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Contains("tokenizer.json", ex.Message);
        Assert.Contains("malformed JSON", ex.Message);
    }

    [Fact]
    public void MalformedMergeIsReported()
    {
        _folder.Write("tokenizer.json", """{ "pre_tokenizer": { "type": "ByteLevel" }, "model": { "type": "BPE", "vocab": { "a": 0 }, "merges": [ "a b c" ] } }""");
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Contains("tokenizer.json", ex.Message);
        Assert.Contains("merges", ex.Message);
    }

    [Theory]
    [InlineData("tokenizer_config.json")]
    [InlineData("generation_config.json")]
    [InlineData("config.json")]
    public void MalformedSideFileIsReportedByName(string name)
    {
        TokenizerWriter.Write(_folder.Path, 300);
        _folder.Write(name, "{ not json");
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Contains(name, ex.Message);
        Assert.Equal(name, Path.GetFileName(ex.FilePath));
    }

    [Fact]
    public void EosThatIsNeitherIdNorListIsReported()
    {
        TokenizerWriter.Write(_folder.Path, 300);
        _folder.Write("generation_config.json", """{ "eos_token_id": "two" }""");
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Contains("generation_config.json", ex.Message);
    }

    [Fact]
    public void CorruptSentencePieceModelIsReported()
    {
        File.WriteAllBytes(Path.Combine(_folder.Path, "tokenizer.model"), [0xFF, 0xFF, 0xFF, 0x01, 0x02]);
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Contains("tokenizer.model", ex.Message);
    }
}
