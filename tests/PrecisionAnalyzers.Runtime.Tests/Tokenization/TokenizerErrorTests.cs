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
    [InlineData("SentencePieceBPE")]
    [InlineData("Tiktoken")]
    public void UnsupportedModelTypeSaysWhatIsSupported(string type)
    {
        _folder.Write("tokenizer.json", $$"""{ "model": { "type": "{{type}}", "vocab": { "a": 0 } } }""");
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Contains("tokenizer.json", ex.Message);
        Assert.Contains(type, ex.Message);
        Assert.Contains("BPE, WordPiece, Unigram, WordLevel", ex.Message);
    }

    [Fact]
    public void AStepHuggingFaceCannotReadIsRefusedWithItsReason()
    {
        // Hugging Face's serde requires Metaspace's fields; its own message says which one is missing.
        _folder.Write("tokenizer.json", """{ "model": { "type": "BPE", "vocab": { "a": 0 }, "merges": [] }, "decoder": { "type": "Metaspace" } }""");
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Equal("tokenizer.json", Path.GetFileName(ex.FilePath));
        Assert.Contains("Hugging Face tokenizers cannot load it", ex.Message);
        Assert.Contains("missing field", ex.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x05, 0x0A, 0x03, (byte)'a' })]
    [InlineData(new byte[] { 0x0A, 0x80 })]
    [InlineData(new byte[] { 0x0F })]
    public void TruncatedSentencePieceModelIsRefused(byte[] bytes)
    {
        File.WriteAllBytes(Path.Combine(_folder.Path, "tokenizer.model"), bytes);
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Equal("tokenizer.model", Path.GetFileName(ex.FilePath));
        Assert.Contains("not a SentencePiece model", ex.Message);
    }

    [Fact]
    public void TiktokenRanksOutOfOrderAreRefused()
    {
        Directory.CreateDirectory(Path.Combine(_folder.Path, "original"));
        File.WriteAllText(Path.Combine(_folder.Path, "original", "tokenizer.model"), "IQ== 0\nIg== 5\n");
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Equal("tokenizer.model", Path.GetFileName(ex.FilePath));
        Assert.Contains("rank 5", ex.Message);
    }

    [Fact]
    public void MalformedVocabJsonBesideMergesIsReportedByName()
    {
        _folder.Write("vocab.json", "{ \"a\": ");
        _folder.Write("merges.txt", "#version: 0.2\n");
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Equal("vocab.json", Path.GetFileName(ex.FilePath));
        Assert.Contains("malformed JSON", ex.Message);
    }

    [Fact]
    public void VocabTxtWithoutUnkIsRefused()
    {
        _folder.Write("vocab.txt", "[PAD]\n[CLS]\n[SEP]\nhello\n");
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Equal("vocab.txt", Path.GetFileName(ex.FilePath));
        Assert.Contains("[UNK]", ex.Message);
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
        Assert.Equal("tokenizer.json", Path.GetFileName(ex.FilePath));
        Assert.Contains("Hugging Face tokenizers cannot load it", ex.Message);
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
