using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Runtime.Tests.Tokenization;

/// <summary>SentencePiece <c>tokenizer.model</c> files built by hand as protobuf bytes.</summary>
public sealed class SentencePieceTokenizerTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // BPE in SentencePiece merges the adjacent pair whose joined piece has the highest score:
    //   "hello"  -> ▁ h e l l o -> he(-1) -> ll(-2) -> llo(-3) -> ▁he(-4) -> ▁hello(-5)   = 14
    //   " world" -> ▁ w o r l d, no joined piece exists                                 = 3 8 7 9 6 10
    private static SentencePieceModelBuilder Pieces() => new SentencePieceModelBuilder()
        .Add("<unk>", 0, SentencePieceModelBuilder.Unknown)   // 0
        .Add("<s>", 0, SentencePieceModelBuilder.Control)     // 1
        .Add("</s>", 0, SentencePieceModelBuilder.Control)    // 2
        .Add("\u2581", -10)                                  // 3
        .Add("h", -11).Add("e", -12).Add("l", -13).Add("o", -14) // 4 5 6 7
        .Add("w", -15).Add("r", -16).Add("d", -17)           // 8 9 10
        .Add("he", -1).Add("ll", -2).Add("llo", -3)          // 11 12 13
        .Add("\u2581hello", -5).Add("\u2581he", -4);           // 14 15

    [Fact]
    public void BpeModelGivesTheIdsWorkedOutByHand()
    {
        File.WriteAllBytes(Path.Combine(_folder.Path, "tokenizer.model"), Pieces().Build(SentencePieceModelBuilder.BpeModel));
        var tokenizer = CheckpointTokenizer.Load(_folder.Path);

        Assert.Equal(TokenizerKind.SentencePiece, tokenizer.Kind);
        Assert.Equal(1, tokenizer.SpecialTokens.BosId);
        Assert.Equal(new[] { 2 }, tokenizer.SpecialTokens.EosIds);
        Assert.True(tokenizer.SpecialTokens.AddBos);

        var ids = tokenizer.Encode("hello world");
        Assert.Equal(new[] { 1, 14, 3, 8, 7, 9, 6, 10 }, ids);
        Assert.Equal("hello world", tokenizer.Decode(ids));
    }

    [Fact]
    public void StreamingDropsTheDummyPrefixSpaceOnce()
    {
        File.WriteAllBytes(Path.Combine(_folder.Path, "tokenizer.model"), Pieces().Build(SentencePieceModelBuilder.BpeModel));
        var tokenizer = CheckpointTokenizer.Load(_folder.Path);
        var decoder = tokenizer.CreateStreamDecoder();
        var text = string.Concat(new[] { 1, 14, 3, 8, 7, 9, 6, 10, 2 }.Select(decoder.Add)) + decoder.Flush();
        Assert.Equal("hello world", text);
    }

    [Fact]
    public void ConfigFilesOverrideTheModelsOwnIds()
    {
        File.WriteAllBytes(Path.Combine(_folder.Path, "tokenizer.model"), Pieces().Build(SentencePieceModelBuilder.BpeModel));
        _folder.Write("generation_config.json", """{ "bos_token_id": 1, "eos_token_id": [2, 15] }""");
        _folder.Write("tokenizer_config.json", """{ "add_bos_token": false }""");
        var tokenizer = CheckpointTokenizer.Load(_folder.Path);
        Assert.Equal(new[] { 2, 15 }, tokenizer.SpecialTokens.EosIds);
        Assert.False(tokenizer.SpecialTokens.AddBos);
        Assert.Equal(new[] { 14 }, tokenizer.Encode("hello"));
    }

    [Fact]
    public void TokenizerJsonBesideTokenizerModelIsTheOneUsedAndABrokenOneIsAnError()
    {
        // Hugging Face loads tokenizer.json when there is one; a broken one is not silently replaced by the model.
        File.WriteAllBytes(Path.Combine(_folder.Path, "tokenizer.model"), Pieces().Build(SentencePieceModelBuilder.BpeModel));
        _folder.Write("tokenizer.json", """{ "model": { "type": "BPE", "byte_fallback": true, "vocab": { "a": 0 }, "merges": [] }, "decoder": { "type": "Sequence", "decoders": [ { "type": "Replace" } ] } }""");
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Equal("tokenizer.json", Path.GetFileName(ex.FilePath));
    }

    [Fact]
    public void UnigramModelLoadsAndRoundTrips()
    {
        File.WriteAllBytes(Path.Combine(_folder.Path, "tokenizer.model"), Pieces().Build(SentencePieceModelBuilder.UnigramModel));
        var tokenizer = CheckpointTokenizer.Load(_folder.Path);
        var ids = tokenizer.Encode("hello world");
        Assert.Equal(1, ids[0]);
        Assert.Equal(14, ids[1]); // "▁hello" (-5) beats every split of it
        Assert.Equal("hello world", tokenizer.Decode(ids));
    }
}
