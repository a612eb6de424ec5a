using System.Text;
using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Runtime.Tests.Tokenization;

public sealed class TokenizerWriterRoundTripTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public static TheoryData<string> Texts => new()
    {
        "Hello, world! The model reads the numbers.",
        "Café crème brûlée, naïve façade, Ærøskøbing — “quotes”",
        "Emoji: 🙂🚀👍🏽 and a family 👨‍👩‍👧",
        "日本語のテキストと中文文本，한국어",
        "  leading spaces, tabs\tand\nnew lines  ",
        "",
    };

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(Texts))]
    public void EncodeThenDecodeIsLossless(string text)
    {
        var tokenizer = WriteAndLoad(512);
        var ids = tokenizer.Encode(text);
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void VocabularySizeMatchesTheRequestAndSpecialTokensAreTheLastIds()
    {
        foreach (var size in new[] { 259, 512, 1024 })
        {
            using var folder = new TemporaryFolder();
            var written = TokenizerWriter.Write(folder.Path, size);
            var tokenizer = CheckpointTokenizer.Load(folder.Path);

            Assert.Equal(size, tokenizer.VocabularySize);
            Assert.Equal(size - 3, written.BosId);
            Assert.Equal(new[] { size - 2 }, written.EosIds);
            Assert.Equal(size - 1, written.PadId);
            Assert.Equal(written.BosId, tokenizer.SpecialTokens.BosId);
            Assert.Equal(written.EosIds, tokenizer.SpecialTokens.EosIds);
            Assert.Equal(written.PadId, tokenizer.SpecialTokens.PadId);
            Assert.Equal(size - 3, tokenizer.TokenToId[TokenizerWriter.BosToken]);
        }
    }

    [Fact]
    public void MergesMakeFewerTokensThanBytes()
    {
        var tokenizer = WriteAndLoad(1024);
        const string text = "The model takes the hidden state and passes it to the next layer.";
        var ids = tokenizer.Encode(text);
        var withoutBos = ids.Length - 1;
        Assert.True(withoutBos * 2 < Encoding.UTF8.GetByteCount(text), $"{withoutBos} tokens for {Encoding.UTF8.GetByteCount(text)} bytes");
    }

    [Fact]
    public void BosIsAddedBecauseTheConfigAsksForIt()
    {
        var tokenizer = WriteAndLoad(512);
        Assert.True(tokenizer.SpecialTokens.AddBos);
        var ids = tokenizer.Encode("hi");
        Assert.Equal(509, ids[0]);
        Assert.DoesNotContain(509, ids.Skip(1));
    }

    [Fact]
    public void SpecialTokensInTextMapToTheirIds()
    {
        var tokenizer = WriteAndLoad(512);
        var ids = tokenizer.Encode("a<eos>b<pad>");
        Assert.Equal(new[] { 509, 'a', 510, 'b', 511 }, ids);
        Assert.Equal("ab", tokenizer.Decode(ids));
        Assert.Equal("<bos>a<eos>b<pad>", tokenizer.Decode(ids, includeSpecialTokens: true));
        Assert.True(tokenizer.SpecialTokens.IsStopToken(510));
        Assert.False(tokenizer.SpecialTokens.IsStopToken(509));
    }

    [Fact]
    public void ByteTokensAreTheFirst256IdsInByteOrder()
    {
        var tokenizer = WriteAndLoad(512);
        // "~" is printable ASCII and stands for itself; a space is byte 32, written as 'Ġ'.
        Assert.Equal((int)'~', tokenizer.TokenToId["~"]);
        Assert.Equal(32, tokenizer.TokenToId["\u0120"]);
        Assert.Equal("\u00e9", tokenizer.Decode([0xC3, 0xA9]));
    }

    [Fact]
    public void WritingIsDeterministic()
    {
        using var other = new TemporaryFolder();
        TokenizerWriter.Write(_folder.Path, 1024);
        TokenizerWriter.Write(other.Path, 1024);
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(_folder.Path, name)), File.ReadAllBytes(Path.Combine(other.Path, name)));
        }
    }

    [Fact]
    public void WrittenFileFollowsTheHuggingFaceSchema()
    {
        TokenizerWriter.Write(_folder.Path, 512);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder.Path, "tokenizer.json")));
        var root = json.RootElement;
        Assert.Equal("1.0", root.GetProperty("version").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, root.GetProperty("normalizer").ValueKind);
        Assert.Equal("ByteLevel", root.GetProperty("pre_tokenizer").GetProperty("type").GetString());
        Assert.Equal("ByteLevel", root.GetProperty("decoder").GetProperty("type").GetString());
        Assert.Equal("TemplateProcessing", root.GetProperty("post_processor").GetProperty("type").GetString());
        var model = root.GetProperty("model");
        Assert.Equal("BPE", model.GetProperty("type").GetString());
        Assert.Equal(509, model.GetProperty("vocab").EnumerateObject().Count());
        Assert.All(model.GetProperty("merges").EnumerateArray(), m => Assert.Equal(2, m.GetString()!.Split(' ').Length));
        Assert.Equal(3, root.GetProperty("added_tokens").GetArrayLength());
    }

    [Fact]
    public void TooSmallOrTooLargeVocabularyIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenizerWriter.Write(_folder.Path, 100));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => TokenizerWriter.Write(_folder.Path, 1_000_000));
        Assert.Contains("largest vocabulary", ex.Message);
    }

    private CheckpointTokenizer WriteAndLoad(int size)
    {
        TokenizerWriter.Write(_folder.Path, size);
        return CheckpointTokenizer.Load(_folder.Path);
    }
}
