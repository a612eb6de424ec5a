using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Runtime.Tests.Tokenization;

/// <summary>Streaming, special tokens and the BERT encoder path on the real tokenizer files of tests/fixtures/tokenizers.</summary>
public sealed class RealTokenizerBehaviourTests
{
    [Theory]
    [InlineData("llama2", "tokenizer.model", "llama2.tokenizer-model")]
    [InlineData("mistral-v3", "tokenizer.model", "mistral-v3.tokenizer-model")]
    [InlineData("stories260K", "tokenizer.json", "stories260K.tokenizer-json")]
    [InlineData("gemma3", "tokenizer.json", "gemma3.tokenizer-json")]
    [InlineData("llama3", "tokenizer.json", "llama3.tokenizer-json")]
    [InlineData("qwen3", "tokenizer.json", "qwen3.tokenizer-json")]
    public void Streaming_the_ids_one_at_a_time_gives_the_decoded_text(string family, string file, string expectedName)
    {
        using var folder = new TemporaryFolder();
        TokenizerFixture.Lay(family, folder.Path, file);
        var tokenizer = CheckpointTokenizer.Load(folder.Path);
        var expected = TokenizerFixture.Expected(expectedName);
        for (var i = 0; i < expected.Count; i++)
        {
            var stream = tokenizer.CreateStreamDecoder();
            var text = string.Concat(expected[i].PlainIds.Select(stream.Add)) + stream.Flush();
            Assert.True(expected[i].Decoded == text, $"#{i}: streamed {System.Text.Json.JsonSerializer.Serialize(text)}, decoded {System.Text.Json.JsonSerializer.Serialize(expected[i].Decoded)}");
        }
    }

    [Fact]
    public void Special_token_text_is_matched_whole_and_kept_when_asked()
    {
        using var folder = new TemporaryFolder();
        TokenizerFixture.Lay("llama3", folder.Path, "tokenizer.json", "tokenizer_config.json");
        var tokenizer = CheckpointTokenizer.Load(folder.Path);
        var ids = tokenizer.Encode("Hi<|eot_id|>", addSpecialTokens: false);
        Assert.Equal(128009, ids[^1]);
        Assert.Equal("Hi", tokenizer.Decode(ids));
        Assert.Equal("Hi<|eot_id|>", tokenizer.Decode(ids, includeSpecialTokens: true));
        Assert.Equal(TokenizerKind.ByteLevelBpe, tokenizer.Kind);
    }

    [Fact]
    public void A_lone_surrogate_is_encoded_as_the_replacement_character_it_becomes_in_UTF8()
    {
        using var folder = new TemporaryFolder();
        TokenizerFixture.Lay("llama3", folder.Path, "tokenizer.json");
        var tokenizer = CheckpointTokenizer.Load(folder.Path);
        Assert.Equal(tokenizer.Encode("a\uFFFDb\uFFFD"), tokenizer.Encode("a\uD800b\uDC00"));
        Assert.Equal(tokenizer.Encode("x😀y"), tokenizer.Encode("x\uD83D\uDE00y"));
    }

    [Fact]
    public void Gemma3_tokenizer_json_adds_bos_and_knows_its_stop_token()
    {
        using var folder = new TemporaryFolder();
        TokenizerFixture.Lay("gemma3", folder.Path, "tokenizer.json", "tokenizer_config.json");
        var tokenizer = CheckpointTokenizer.Load(folder.Path);
        Assert.Equal(TokenizerKind.SentencePiece, tokenizer.Kind);
        Assert.Equal(2, tokenizer.SpecialTokens.BosId);
        Assert.True(tokenizer.SpecialTokens.AddBos);
        Assert.Equal(2, tokenizer.Encode("Hello")[0]);
        Assert.Equal(262145, tokenizer.VocabularySize); // <image_soft_token> is added after the 262144 pieces
    }

    [Fact]
    public void Llama3_tiktoken_model_gets_llama3_special_tokens()
    {
        using var folder = new TemporaryFolder();
        TokenizerFixture.Lay("llama3", folder.Path, "original/tokenizer.model");
        var tokenizer = CheckpointTokenizer.Load(folder.Path);
        Assert.Equal(128256, tokenizer.VocabularySize);
        Assert.Equal(128009, tokenizer.TokenToId["<|eot_id|>"]);
        Assert.Equal([128000, 101798], tokenizer.Encode(" Việt"));
        Assert.Equal(128000, tokenizer.SpecialTokens.BosId);
        Assert.True(tokenizer.SpecialTokens.IsStopToken(128009));
        Assert.True(tokenizer.SpecialTokens.IsStopToken(128001));
    }

    [Fact]
    public void Bert_encoder_tokenizer_gives_the_reference_ids_from_vocab_txt_and_from_tokenizer_json()
    {
        var expected = TokenizerFixture.Expected("bert-uncased.tokenizer-json");
        foreach (var file in new[] { "vocab.txt", "tokenizer.json" })
        {
            using var folder = new TemporaryFolder();
            TokenizerFixture.Lay("bert-uncased", folder.Path, file);
            var tokenizer = WordPieceTextTokenizer.Load(folder.Path);
            for (var i = 0; i < expected.Count; i++)
            {
                var ids = tokenizer.Encode(TokenizerFixture.Corpus[i], 100_000, out var truncated);
                Assert.False(truncated);
                Assert.True(expected[i].Ids.SequenceEqual(ids), $"{file} #{i}: [{string.Join(",", ids)}]");
            }
        }
    }

    [Fact]
    public void Sentence_bert_do_lower_case_adds_lower_casing_and_never_turns_the_tokenizers_off()
    {
        using var folder = new TemporaryFolder();
        TokenizerFixture.Lay("bert-uncased", folder.Path, "vocab.txt");
        var plain = WordPieceTextTokenizer.Load(folder.Path);
        folder.Write("sentence_bert_config.json", """{ "max_seq_length": 256, "do_lower_case": false }""");
        var notLowering = WordPieceTextTokenizer.Load(folder.Path);
        folder.Write("sentence_bert_config.json", """{ "max_seq_length": 256, "do_lower_case": true }""");
        var lowering = WordPieceTextTokenizer.Load(folder.Path);

        const string text = "The Quick Brown Fox";
        var ids = plain.Encode(text, 64, out _);
        Assert.DoesNotContain(100, ids); // no [UNK]: the uncased vocabulary's own lower-casing ran
        Assert.Equal(ids, notLowering.Encode(text, 64, out _));
        Assert.Equal(ids, lowering.Encode(text, 64, out _));
        Assert.False(notLowering.LowerCase);
        Assert.True(lowering.LowerCase);
    }

    [Fact]
    public void Bert_encoder_truncates_keeping_sep()
    {
        using var folder = new TemporaryFolder();
        TokenizerFixture.Lay("bert-uncased", folder.Path, "vocab.txt");
        var tokenizer = WordPieceTextTokenizer.Load(folder.Path);
        var ids = tokenizer.Encode("one two three four five six", 5, out var truncated);
        Assert.True(truncated);
        Assert.Equal([101, 2028, 2048, 2093, 102], ids);
    }
}
