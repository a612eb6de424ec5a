using PrecisionAnalyzers.Runtime.Encoders;
using PrecisionAnalyzers.Runtime.Tokenization;
using PrecisionAnalyzers.Tests.Shared;

namespace PrecisionAnalyzers.Runtime.Tests.Tokenization;

public sealed class BpeEncoderTokenizerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("precision-bpe-enc-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A tiny RoBERTa sentence encoder whose tokenizer is the BPE fixture (no WordPiece vocabulary).</summary>
    private void WriteRobertaWithBpe()
    {
        TinyEncoderFactory.WriteFolder(_folder, new TinyEncoderOptions { Family = "roberta", VocabSize = ByteLevelTokenizerFixture.VocabularySize });
        File.Delete(Path.Combine(_folder, "vocab.txt"));
        ByteLevelTokenizerFixture.Write(_folder);
        File.WriteAllText(Path.Combine(_folder, "tokenizer_config.json"), """{"bos_token": "<|endoftext|>", "eos_token": {"content": "<|endoftext|>"}, "pad_token": "<|endoftext|>"}""");
    }

    [Fact]
    public void Frames_the_text_and_truncates_keeping_the_end_token()
    {
        WriteRobertaWithBpe();
        var tokenizer = BpeEncoderTokenizer.Load(_folder);

        Assert.Equal(new[] { 262, 259, 260, 261, 'l', 'd', 262 }, tokenizer.Encode("hello world", 64, out var cut));
        Assert.False(cut);
        Assert.Equal(new[] { 262, 259, 260, 262 }, tokenizer.Encode("hello world", 4, out cut));
        Assert.True(cut);
        Assert.Equal(262, tokenizer.PadTokenId);
    }

    [Fact]
    public void A_RoBERTa_folder_with_a_BPE_tokenizer_encodes_and_padding_does_not_change_an_embedding()
    {
        WriteRobertaWithBpe();

        using var encoder = SentenceEncoder.Load(_folder, new LoadOptions { Dtype = DType.Float32 });
        var alone = encoder.Encode(["hello world"])[0];
        var batched = encoder.Encode(["a much longer text that pads the other one", "hello world"])[1];

        Assert.Equal(encoder.Dimension, alone.Length);
        for (var i = 0; i < alone.Length; i++)
        {
            Assert.Equal(alone[i], batched[i], 1e-5f);
        }
    }

    [Fact]
    public void A_missing_special_token_is_refused_naming_it()
    {
        WriteRobertaWithBpe();
        File.Delete(Path.Combine(_folder, "tokenizer_config.json"));

        var error = Assert.Throws<SentenceModelException>(() => SentenceEncoder.Load(_folder, new LoadOptions { Dtype = DType.Float32 }));

        Assert.Contains("'<s>'", error.Message, StringComparison.Ordinal);
    }
}
