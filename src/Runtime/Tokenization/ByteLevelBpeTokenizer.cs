using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// A Hugging Face <c>tokenizer.json</c> with a BPE model (GPT-2, Llama 3, Qwen2, RoBERTa style), on Microsoft.ML.Tokenizers:
/// the vocabulary, the merges (as "a b" strings or [a, b] pairs), the added tokens matched whole, and the pre-tokenizer's
/// split regex when the file gives one (else GPT-2's). Byte-level when the file's pre-tokenizer or decoder is ByteLevel.
/// </summary>
public sealed class ByteLevelBpeTokenizer
{
    // GPT-2's split pattern, the default of the ByteLevel pre-tokenizer.
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private readonly BpeTokenizer _tokenizer;

    private ByteLevelBpeTokenizer(BpeTokenizer tokenizer, IReadOnlyDictionary<string, int> added, IReadOnlyDictionary<string, int> vocabulary)
    {
        _tokenizer = tokenizer;
        AddedTokens = added;
        Vocabulary = vocabulary;
    }

    /// <summary>Tokens added on top of the BPE vocabulary (special tokens among them), matched whole in text.</summary>
    public IReadOnlyDictionary<string, int> AddedTokens { get; }

    public IReadOnlyDictionary<string, int> Vocabulary { get; }

    /// <summary>The id of a token of the vocabulary or the added tokens, or null.</summary>
    public int? IdOf(string token) => AddedTokens.TryGetValue(token, out var id) || Vocabulary.TryGetValue(token, out id) ? id : null;

    public static ByteLevelBpeTokenizer Load(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new TokenizerException(path, "is not valid JSON: " + e.Message, e);
        }
        catch (IOException e)
        {
            throw new TokenizerException(path, "could not be read: " + e.Message, e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            {
                throw new TokenizerException(path, "has no \"model\" object");
            }

            var type = model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (type != "BPE")
            {
                throw new TokenizerException(path, $"has a {type ?? "typeless"} model; the runtime reads BPE tokenizer.json files (and WordPiece ones for BERT encoders, and SentencePiece tokenizer.model)");
            }

            if (!model.TryGetProperty("vocab", out var vocabJson) || vocabJson.ValueKind != JsonValueKind.Object)
            {
                throw new TokenizerException(path, "its BPE model has no \"vocab\" object");
            }

            var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in vocabJson.EnumerateObject())
            {
                vocabulary[entry.Name] = entry.Value.TryGetInt32(out var id) ? id : throw new TokenizerException(path, $"vocab entry '{entry.Name}' has no integer id");
            }

            var merges = new List<string>();
            if (model.TryGetProperty("merges", out var mergesJson) && mergesJson.ValueKind == JsonValueKind.Array)
            {
                foreach (var merge in mergesJson.EnumerateArray())
                {
                    merges.Add(merge.ValueKind switch
                    {
                        JsonValueKind.String => merge.GetString()!,
                        JsonValueKind.Array when merge.GetArrayLength() == 2 => merge[0].GetString() + " " + merge[1].GetString(),
                        _ => throw new TokenizerException(path, "a merge is neither \"a b\" nor [\"a\", \"b\"]"),
                    });
                }
            }

            var added = new Dictionary<string, int>(StringComparer.Ordinal);
            if (root.TryGetProperty("added_tokens", out var addedJson) && addedJson.ValueKind == JsonValueKind.Array)
            {
                foreach (var token in addedJson.EnumerateArray())
                {
                    if (token.TryGetProperty("content", out var content) && token.TryGetProperty("id", out var id) && id.TryGetInt32(out var value))
                    {
                        added[content.GetString()!] = value;
                    }
                }
            }

            var text = root.GetRawText();
            var byteLevel = text.Contains("\"ByteLevel\"", StringComparison.Ordinal);
            var pattern = SplitPattern(root) ?? Gpt2Pattern;
            var options = new BpeOptions(vocabulary)
            {
                Merges = merges,
                SpecialTokens = added.Count == 0 ? null : added,
                PreTokenizer = new RegexPreTokenizer(new Regex(pattern, RegexOptions.Compiled), added.Count == 0 ? null : added),
                ByteLevel = byteLevel,
                UnknownToken = model.TryGetProperty("unk_token", out var unknown) && unknown.ValueKind == JsonValueKind.String ? unknown.GetString() : null,
            };
            try
            {
                return new ByteLevelBpeTokenizer(BpeTokenizer.Create(options), added, vocabulary);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
            {
                throw new TokenizerException(path, "could not be built: " + e.Message, e);
            }
        }
    }

    public int[] Encode(string text) => [.. _tokenizer.EncodeToIds(text)];

    public string Decode(IEnumerable<int> ids) => _tokenizer.Decode(ids) ?? string.Empty;

    /// <summary>The regex of a Split pre-tokenizer (Llama 3, Qwen2 give their own), or null.</summary>
    private static string? SplitPattern(JsonElement root)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var candidates = pre.TryGetProperty("pretokenizers", out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToArray() : [pre];
        foreach (var candidate in candidates)
        {
            if (candidate.TryGetProperty("type", out var type) && type.GetString() == "Split"
                && candidate.TryGetProperty("pattern", out var pattern) && pattern.TryGetProperty("Regex", out var regex) && regex.ValueKind == JsonValueKind.String)
            {
                return regex.GetString();
            }
        }

        return null;
    }
}
