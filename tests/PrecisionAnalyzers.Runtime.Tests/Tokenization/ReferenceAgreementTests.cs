using System.Text;
using System.Text.Json;
using PrecisionAnalyzers.Runtime.Tokenization;
using Xunit.Abstractions;

namespace PrecisionAnalyzers.Runtime.Tests.Tokenization;

/// <summary>
/// Real tokenizer files of every family against the reference's ids and decoded text (tests/fixtures/tokenizers:
/// transformers.js for tokenizer.json, sentencepiece for tokenizer.model), on every string of the corpus.
/// </summary>
public sealed class ReferenceAgreementTests(ITestOutputHelper output)
{
    /// <summary>variant name, fixture family, files laid into the checkpoint folder, expected data, whether the reference's <c>ids</c> apply.</summary>
    public static TheoryData<string, string, string[], string> Variants => new()
    {
        { "llama2 tokenizer.model", "llama2", ["tokenizer.model"], "llama2.tokenizer-model" },
        { "mistral v1 tokenizer.model", "mistral-v1", ["tokenizer.model"], "mistral-v1.tokenizer-model" },
        { "mistral v2 tokenizer.model", "mistral-v2", ["tokenizer.model"], "mistral-v2.tokenizer-model" },
        { "mistral v3 tokenizer.model", "mistral-v3", ["tokenizer.model"], "mistral-v3.tokenizer-model" },
        { "mistral v7 tokenizer.model", "mistral-v7", ["tokenizer.model"], "mistral-v7.tokenizer-model" },
        { "stories260K tokenizer.model", "stories260K", ["tokenizer.model", "tokenizer_config.json"], "stories260K.tokenizer-model" },
        { "unigram-nfkc tokenizer.model (SentencePiece Unigram, nmt_nfkc charsmap)", "unigram-nfkc", ["tokenizer.model"], "unigram-nfkc.tokenizer-model" },
        { "stories260K tokenizer.json", "stories260K", ["tokenizer.json", "tokenizer_config.json"], "stories260K.tokenizer-json" },
        { "llama3 tokenizer.json", "llama3", ["tokenizer.json", "tokenizer_config.json"], "llama3.tokenizer-json" },
        { "llama3 original/tokenizer.model", "llama3", ["original/tokenizer.model"], "llama3.tokenizer-json" },
        { "gemma3 tokenizer.json", "gemma3", ["tokenizer.json", "tokenizer_config.json"], "gemma3.tokenizer-json" },
        { "qwen3 tokenizer.json", "qwen3", ["tokenizer.json", "tokenizer_config.json"], "qwen3.tokenizer-json" },
        { "bert-uncased tokenizer.json", "bert-uncased", ["tokenizer.json"], "bert-uncased.tokenizer-json" },
        { "bert-uncased vocab.txt", "bert-uncased", ["vocab.txt"], "bert-uncased.tokenizer-json" },
        { "roberta-base tokenizer.json", "roberta-base", ["tokenizer.json", "tokenizer_config.json"], "roberta-base.tokenizer-json" },
        { "roberta-base vocab.json + merges.txt", "roberta-base", ["vocab.json", "merges.txt", "tokenizer_config.json"], "roberta-base.tokenizer-json" },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Ids_and_decoded_text_equal_the_reference_on_every_corpus_string(string variant, string family, string[] files, string expectedName)
    {
        var failures = Measure(variant, family, files, TokenizerFixture.Corpus, TokenizerFixture.Expected(expectedName));
        Assert.True(failures.Length == 0, $"{variant} differs from the reference:\n{failures}");
    }

    /// <summary>
    /// A measurement on another corpus, run only when TOKENIZER_FUZZ_DIR names a folder holding <c>corpus.json</c> and
    /// <c>expected/</c> written by <c>CORPUS_JSON=… OUT_DIR=… generate-expected.sh</c> (see tests/fixtures/tokenizers/README.md).
    /// It prints the agreement and asserts nothing: the reference's own departures from Hugging Face are not listed there.
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Agreement_on_a_fuzz_corpus_when_one_is_given(string variant, string family, string[] files, string expectedName)
    {
        var dir = Environment.GetEnvironmentVariable("TOKENIZER_FUZZ_DIR");
        if (string.IsNullOrEmpty(dir))
        {
            output.WriteLine("not measured: TOKENIZER_FUZZ_DIR is not set");
            return;
        }

        var corpus = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "corpus.json")))!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
        var failures = Measure(variant, family, files, corpus, TokenizerFixture.Expected(expectedName, Path.Combine(dir, "expected")));
        output.WriteLine(failures.ToString());
    }

    private StringBuilder Measure(string variant, string family, string[] files, IReadOnlyList<string> corpus, IReadOnlyList<ExpectedTokenization> expected)
    {
        using var folder = new TemporaryFolder();
        TokenizerFixture.Lay(family, folder.Path, files);
        var tokenizer = CheckpointTokenizer.Load(folder.Path);
        Assert.Equal(corpus.Count, expected.Count);

        // Meta's tiktoken file: Llama 3 as Meta runs it, BOS first; the lenml tokenizer.json adds none.
        var tiktoken = files.Contains("original/tokenizer.model");
        int ids = 0, plain = 0, decoded = 0;
        var failures = new StringBuilder();
        for (var i = 0; i < corpus.Count; i++)
        {
            var want = expected[i];
            var wantIds = tiktoken ? [128000, .. want.PlainIds] : want.Ids;
            var gotIds = tokenizer.Encode(corpus[i]);
            var gotPlain = tokenizer.Encode(corpus[i], addSpecialTokens: false);
            var gotText = tokenizer.Decode(want.PlainIds);
            ids += Count(gotIds.SequenceEqual(wantIds), failures, corpus[i], i, "ids", gotIds, wantIds);
            plain += Count(gotPlain.SequenceEqual(want.PlainIds), failures, corpus[i], i, "plain ids", gotPlain, want.PlainIds);
            decoded += Count(gotText == want.Decoded, failures, corpus[i], i, "decoded", gotText, want.Decoded);
        }

        output.WriteLine($"AGREEMENT {variant}: ids {ids}/{corpus.Count}, ids without special tokens {plain}/{corpus.Count}, decoded {decoded}/{corpus.Count}");
        return failures;
    }

    private static int Count<T>(bool equal, StringBuilder failures, string text, int index, string what, T got, T want)
    {
        if (!equal && failures.Length < 4000)
        {
            failures.AppendLine(
                $"  #{index} {JsonSerializer.Serialize(text.Length > 60 ? text[..60] + "…" : text)} {what}: got {Show(got)}, want {Show(want)}");
        }

        return equal ? 1 : 0;
    }

    private static string Show<T>(T value) => value switch
    {
        int[] ids => "[" + string.Join(",", ids.Take(24)) + (ids.Length > 24 ? $",… ({ids.Length})" : "") + "]",
        string s => JsonSerializer.Serialize(s.Length > 60 ? s[..60] + "…" : s),
        _ => value?.ToString() ?? "null",
    };
}
