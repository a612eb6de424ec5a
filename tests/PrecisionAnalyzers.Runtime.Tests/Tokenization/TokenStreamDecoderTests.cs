using System.Text;
using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Runtime.Tests.Tokenization;

public sealed class TokenStreamDecoderTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();
    private readonly CheckpointTokenizer _tokenizer;

    public TokenStreamDecoderTests()
    {
        TokenizerWriter.Write(_folder.Path, 512);
        _tokenizer = CheckpointTokenizer.Load(_folder.Path);
    }

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("plain ASCII text, the model and the layer")]
    [InlineData("Café crème brûlée")]
    [InlineData("🙂🚀👍🏽 emoji")]
    [InlineData("日本語と中文")]
    public void StreamingReassemblesTheTextExactly(string text)
    {
        var ids = _tokenizer.Encode(text);
        var decoder = _tokenizer.CreateStreamDecoder();
        var streamed = new StringBuilder();
        foreach (var id in ids)
        {
            var piece = decoder.Add(id);
            Assert.DoesNotContain('\uFFFD', piece);
            streamed.Append(piece);
        }

        streamed.Append(decoder.Flush());
        Assert.Equal(text, streamed.ToString());
    }

    [Fact]
    public void BytesOfASplitCharacterAreHeldBackUntilItIsComplete()
    {
        // U+1F642 is F0 9F 99 82 in UTF-8; with byte tokens it arrives in four steps.
        var decoder = _tokenizer.CreateStreamDecoder();
        Assert.Equal("a", decoder.Add('a'));
        Assert.Equal(string.Empty, decoder.Add(0xF0));
        Assert.Equal(string.Empty, decoder.Add(0x9F));
        Assert.Equal(string.Empty, decoder.Add(0x99));
        Assert.Equal("\U0001F642", decoder.Add(0x82));
        Assert.Equal(string.Empty, decoder.Add(0xE6));
        Assert.Equal(string.Empty, decoder.Add(0x97));
        Assert.Equal("\u65E5b", decoder.Add(0xA5) + decoder.Add('b'));
    }

    [Fact]
    public void RandomIdsAsAnUntrainedModelWouldGenerateStreamToTheSameTextAsDecode()
    {
        // Random weights produce any id in any order, including lone UTF-8 continuation bytes.
        var random = new Random(1234);
        for (var run = 0; run < 200; run++)
        {
            var ids = Enumerable.Range(0, 24).Select(_ => random.Next(_tokenizer.VocabularySize)).ToArray();
            var decoder = _tokenizer.CreateStreamDecoder();
            var streamed = string.Concat(ids.Select(decoder.Add)) + decoder.Flush();
            Assert.Equal(_tokenizer.Decode(ids), streamed);
        }
    }

    [Fact]
    public void SpecialTokensAreSkippedUnlessAsked()
    {
        var bos = _tokenizer.SpecialTokens.BosId!.Value;
        Assert.Equal(string.Empty, _tokenizer.CreateStreamDecoder().Add(bos));
        Assert.Equal("<bos>", _tokenizer.CreateStreamDecoder(includeSpecialTokens: true).Add(bos));
    }

    [Fact]
    public void FlushReturnsAnIncompleteCharacterAsReplacement()
    {
        var decoder = _tokenizer.CreateStreamDecoder();
        Assert.Equal(string.Empty, decoder.Add(0xF0));
        Assert.Equal("\uFFFD", decoder.Flush());
    }

    [Fact]
    public void UnknownIdIsAnError()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _tokenizer.CreateStreamDecoder().Add(100_000));
    }
}
