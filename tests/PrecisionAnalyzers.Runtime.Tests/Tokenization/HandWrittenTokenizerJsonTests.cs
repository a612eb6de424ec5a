using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Runtime.Tests.Tokenization;

/// <summary>A tokenizer.json written by hand, with ids worked out by hand.</summary>
public sealed class HandWrittenTokenizerJsonTests : IDisposable
{
    // Byte-level: a space is 'Ġ' (U+0120). Merges by rank:
    //   "hello"  : h e l l o -> (h e) he l l o -> (l l) he ll o -> (ll o) he llo -> (he llo) hello = 11
    //   " world" : Ġ w o r l d -> (Ġ w) Ġw o r l d -> (o r) Ġw or l d -> (Ġw or) Ġwor l d = 14 2 7
    private const string Vocab = """
        "h": 0, "e": 1, "l": 2, "o": 3, "Ġ": 4, "w": 5, "r": 6, "d": 7,
        "he": 8, "ll": 9, "llo": 10, "hello": 11, "Ġw": 12, "or": 13, "Ġwor": 14
        """;

    private const string ByteLevel = """{ "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true }""";

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("\"h e\", \"l l\", \"ll o\", \"he llo\", \"Ġ w\", \"o r\", \"Ġw or\"")]
    [InlineData("[\"h\", \"e\"], [\"l\", \"l\"], [\"ll\", \"o\"], [\"he\", \"llo\"], [\"Ġ\", \"w\"], [\"o\", \"r\"], [\"Ġw\", \"or\"]")]
    public void KnownStringGivesTheIdsWorkedOutByHand(string merges)
    {
        WriteTokenizer(merges);
        var tokenizer = CheckpointTokenizer.Load(_folder.Path);

        Assert.Equal(new[] { 11, 14, 2, 7 }, tokenizer.Encode("hello world"));
        Assert.Equal("hello world", tokenizer.Decode([11, 14, 2, 7]));
        Assert.False(tokenizer.SpecialTokens.AddBos);
        Assert.Equal(TokenizerKind.ByteLevelBpe, tokenizer.Kind);
    }

    [Fact]
    public void AddedTokensAreMatchedWholeAndStopGeneration()
    {
        WriteTokenizer("\"h e\", \"l l\", \"ll o\", \"he llo\", \"Ġ w\", \"o r\", \"Ġw or\"");
        _folder.Write("tokenizer_config.json", """{ "bos_token": "<|start|>", "eos_token": { "content": "<|end|>" }, "add_bos_token": true }""");
        var tokenizer = CheckpointTokenizer.Load(_folder.Path);

        Assert.Equal(new[] { 15, 11, 16 }, tokenizer.Encode("hello<|end|>"));
        Assert.Equal(15, tokenizer.SpecialTokens.BosId);
        Assert.Equal(new[] { 16 }, tokenizer.SpecialTokens.EosIds);
        Assert.Equal("hello", tokenizer.Decode([15, 11, 16]));
    }

    [Fact]
    public void NonSpecialAddedTokensAreKeptWhenDecoding()
    {
        WriteTokenizer("\"h e\"", extraAdded: """, { "id": 17, "content": "<think>", "special": false }""");
        var tokenizer = CheckpointTokenizer.Load(_folder.Path);
        Assert.Equal(new[] { 17, 8 }, tokenizer.Encode("<think>he"));
        Assert.Equal("<think>he", tokenizer.Decode([15, 17, 8, 16]));
    }

    [Fact]
    public void SplitPreTokenizerRegexIsUsedAndNfcIsApplied()
    {
        // A Llama 3 style pipeline: Split on a regex (here: every single character), then ByteLevel without regex.
        WriteTokenizer("\"h e\"", preTokenizer: """
            { "type": "Sequence", "pretokenizers": [
                { "type": "Split", "pattern": { "Regex": "." }, "behavior": "Isolated", "invert": false },
                { "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false } ] }
            """, normalizer: """{ "type": "NFC" }""");
        var tokenizer = CheckpointTokenizer.Load(_folder.Path);
        Assert.Equal(new[] { 0, 1 }, tokenizer.Encode("he")); // "he" is never formed: the split isolates h and e
        Assert.Equal(tokenizer.Encode("\u00e9"), tokenizer.Encode("e\u0301")); // NFC: e + combining acute is é
    }

    [Fact]
    public void RegexHuggingFaceCannotCompileIsAnError()
    {
        WriteTokenizer("\"h e\"", preTokenizer: """{ "type": "Split", "pattern": { "Regex": "(" }, "behavior": "Isolated", "invert": false }""");
        var ex = Assert.Throws<TokenizerException>(() => CheckpointTokenizer.Load(_folder.Path));
        Assert.Equal("tokenizer.json", Path.GetFileName(ex.FilePath));
        Assert.Contains("Hugging Face tokenizers cannot load it", ex.Message);
    }

    [Fact]
    public void TemplatePostProcessorWithBosTurnsBosOn()
    {
        WriteTokenizer("\"h e\"", postProcessor: """
            { "type": "TemplateProcessing",
              "single": [ { "SpecialToken": { "id": "<|start|>", "type_id": 0 } }, { "Sequence": { "id": "A", "type_id": 0 } } ] }
            """);
        _folder.Write("config.json", """{ "bos_token_id": 15, "eos_token_id": 16 }""");
        var tokenizer = CheckpointTokenizer.Load(_folder.Path);

        Assert.True(tokenizer.SpecialTokens.AddBos);
        Assert.Equal(new[] { 15, 8 }, tokenizer.Encode("he"));
    }

    private void WriteTokenizer(
        string merges, string postProcessor = "null", string extraAdded = "", string? preTokenizer = null, string normalizer = "null",
        string? decoder = null) => _folder.Write("tokenizer.json", $$"""
        {
          "version": "1.0",
          "added_tokens": [
            { "id": 15, "content": "<|start|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true },
            { "id": 16, "content": "<|end|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true }{{extraAdded}}
          ],
          "normalizer": {{normalizer}},
          "pre_tokenizer": {{preTokenizer ?? ByteLevel}},
          "post_processor": {{postProcessor}},
          "decoder": {{decoder ?? ByteLevel}},
          "model": { "type": "BPE", "dropout": null, "unk_token": null, "vocab": { {{Vocab}} }, "merges": [ {{merges}} ] }
        }
        """);
}
