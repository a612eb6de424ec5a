using System.Text;
using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Runtime.Tests.Tokenization;

/// <summary>
/// Crafted tokenizer files that used to crash the process, hang, or be read wrongly: each is now refused with a
/// <see cref="TokenizerException"/> naming the file and the place, or read. Every load runs under a time bound so that a
/// hang fails the test instead of blocking the run.
/// </summary>
public sealed class TokenizerHardeningTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Duplicate_key_in_the_vocabulary_of_tokenizer_json_is_named_with_its_place()
    {
        _folder.Write("tokenizer.json", """{ "model": { "type": "WordLevel", "unk_token": "a", "vocab": { "a": 0, "b": 1, "a": 2 } } }""");
        var ex = await Refused();
        Assert.Equal("tokenizer.json", Path.GetFileName(ex.FilePath));
        Assert.Contains("duplicate key 'a' in 'model.vocab'", ex.Message);
    }

    [Fact]
    public async Task Duplicate_key_in_tokenizer_config_json_is_named()
    {
        File.Copy(Stories("tokenizer.json"), Path.Combine(_folder.Path, "tokenizer.json"));
        _folder.Write("tokenizer_config.json", """{ "bos_token": "<s>", "add_bos_token": true, "bos_token": "</s>" }""");
        var ex = await Refused();
        Assert.Equal("tokenizer_config.json", Path.GetFileName(ex.FilePath));
        Assert.Contains("duplicate key 'bos_token' in the top level", ex.Message);
    }

    [Theory]
    [InlineData("""{ "type": "TemplateProcessing", "single": [ { "SpecialToken": { "id": 5, "type_id": 0 } } ], "special_tokens": {} }""", "neither SpecialToken (with a string id) nor Sequence")]
    [InlineData("""{ "type": "TemplateProcessing", "single": [ { "SpecialToken": { "id": "<s>", "type_id": 0 } } ], "special_tokens": { "<s>": { "ids": ["one"] } } }""", "special_tokens.<s>.ids must hold integer ids")]
    [InlineData("""[ 1, 2 ]""", "post_processor is not an object")]
    public async Task A_post_processor_field_of_the_wrong_JSON_type_is_named(string postProcessor, string expected)
    {
        var json = JsonNode.Parse(File.ReadAllText(Stories("tokenizer.json")))!.AsObject();
        json["post_processor"] = JsonNode.Parse(postProcessor);
        _folder.Write("tokenizer.json", json.ToJsonString());
        var ex = await Refused();
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public async Task An_added_token_id_the_Rust_library_would_not_give_is_refused()
    {
        // The library ignores the file's ids (it only logs a warning): <x> would be 3, after the vocabulary, and the
        // ids it emits would not be the ones read here.
        _folder.Write("tokenizer.json", """
            { "added_tokens": [ { "id": 7, "content": "<x>", "special": true } ],
              "model": { "type": "WordLevel", "unk_token": "a", "vocab": { "a": 0, "b": 1, "c": 2 } } }
            """);
        var ex = await Refused();
        Assert.Contains("'<x>' has id 7, but Hugging Face tokenizers gives it id 3", ex.Message);
    }

    [Fact]
    public async Task An_added_token_longer_than_the_limit_is_refused()
    {
        var token = new string('x', CheckpointTokenizer.MaxAddedTokenLength + 1);
        _folder.Write("tokenizer.json", $$"""
            { "added_tokens": [ { "id": 3, "content": "{{token}}", "special": true } ],
              "model": { "type": "WordLevel", "unk_token": "a", "vocab": { "a": 0, "b": 1, "c": 2 } } }
            """);
        var ex = await Refused();
        Assert.Contains($"a token of {token.Length} characters (at most {CheckpointTokenizer.MaxAddedTokenLength})", ex.Message);
    }

    [Fact]
    public async Task Invalid_UTF8_in_tokenizer_json_is_refused_at_its_byte()
    {
        var bytes = Encoding.UTF8.GetBytes("""{ "model": { "type": "WordLevel", "unk_token": "a", "vocab": { "a": 0, "bX": 1 } } }""");
        var at = Array.IndexOf(bytes, (byte)'X');
        bytes[at] = 0xC3;
        File.WriteAllBytes(Path.Combine(_folder.Path, "tokenizer.json"), bytes);
        var ex = await Refused();
        Assert.Contains($"is not valid UTF-8 (at byte {at})", ex.Message);
    }

    [Fact]
    public async Task A_number_beyond_a_double_is_refused_before_the_Rust_library_sees_it()
    {
        // Hugging Face tokenizers 0.22 panics on this number inside its decoder (deserialised through an untagged enum),
        // and the panic aborts the process: it must never be handed over.
        var json = JsonNode.Parse(File.ReadAllText(Stories("tokenizer.json")))!.AsObject();
        json["decoder"] = new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 };
        _folder.Write("tokenizer.json", json.ToJsonString().Replace("\"start\":1", "\"start\":1e400", StringComparison.Ordinal));
        var ex = await Refused();
        Assert.Contains("the number 1e400 at 'decoder.start' is out of range", ex.Message);
    }

    [Theory]
    [InlineData("(a+)+$", "(as (a+)+)")]
    [InlineData("(\\w+\\s?)*x", "(as (a+)+)")]
    [InlineData("(a|aa)+$", "alternation")]
    [InlineData("\\s*\\s*\\s*x", "three or more unbounded repeats")]
    [InlineData("(?:a{1,100}){1,100}b", "(as (a+)+)")]
    public async Task A_Split_regex_that_backtracks_catastrophically_is_refused_before_encoding(string pattern, string expected)
    {
        // Unguarded, (a+)+$ on "aaaaaaaaaaaaaaaaaaaaaaaa!" makes Oniguruma hit its retry limit in Rust, which aborts the process.
        WithSplit(pattern);
        var ex = await Refused();
        Assert.Equal("tokenizer.json", Path.GetFileName(ex.FilePath));
        Assert.Contains("pre_tokenizer.pattern", ex.Message);
        Assert.Contains(expected, ex.Message);
        Assert.Contains(pattern, ex.Message);
    }

    [Fact]
    public async Task A_Replace_normalizer_regex_is_screened_too()
    {
        var json = JsonNode.Parse(File.ReadAllText(Stories("tokenizer.json")))!.AsObject();
        json["normalizer"] = new JsonObject { ["type"] = "Sequence", ["normalizers"] = new JsonArray(new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["Regex"] = "(x*)*y" }, ["content"] = "z" }) };
        _folder.Write("tokenizer.json", json.ToJsonString());
        var ex = await Refused();
        Assert.Contains("normalizer.normalizers[0].pattern", ex.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("x*")]
    [InlineData("(?=o)")]
    public async Task A_Split_regex_that_matches_the_empty_string_returns(string pattern)
    {
        WithSplit(pattern);
        var ids = await Task.Run(() => CheckpointTokenizer.Load(_folder.Path).Encode("Once upon a time there was a dog", addSpecialTokens: false)).WaitAsync(Bound);
        Assert.NotEmpty(ids);
    }

    [Fact]
    public async Task A_tokenizer_model_above_the_size_limit_is_refused_before_it_is_read()
    {
        using (var stream = File.Create(Path.Combine(_folder.Path, "tokenizer.model")))
        {
            stream.SetLength(TokenizerFileReader.MaxModelBytes + 1); // sparse: nothing is written
        }

        var ex = await Refused();
        Assert.Contains($"more than the {TokenizerFileReader.MaxModelBytes}-byte limit", ex.Message);
    }

    [Theory]
    [InlineData("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+")]
    [InlineData("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")]
    [InlineData("[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")]
    [InlineData("\\A +| +\\z")]
    [InlineData(" {2,}")]
    [InlineData("(a++)+b")]
    [InlineData("(?<word>\\w+)(?#comment)[[:alpha:]]")]
    public void Patterns_of_real_tokenizers_pass_the_screen(string pattern) => Assert.Null(RegexPatternScreen.Problem(pattern));

    private async Task<TokenizerException> Refused() =>
        await Assert.ThrowsAsync<TokenizerException>(() => Task.Run(() => CheckpointTokenizer.Load(_folder.Path)).WaitAsync(Bound));

    private void WithSplit(string pattern)
    {
        var json = JsonNode.Parse(File.ReadAllText(Stories("tokenizer.json")))!.AsObject();
        json["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = pattern }, ["behavior"] = "Isolated", ["invert"] = false,
        };
        _folder.Write("tokenizer.json", json.ToJsonString());
    }

    private static string Stories(string file) => Path.Combine(AppContext.BaseDirectory, "fixtures", "stories260K", file);
}
