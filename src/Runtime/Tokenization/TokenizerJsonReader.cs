using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// Reads a Hugging Face <c>tokenizer.json</c> whose model is byte-level BPE into a Microsoft.ML.Tokenizers
/// <see cref="BpeTokenizer"/>. Other model types are refused with the list of what is supported.
/// </summary>
internal static class TokenizerJsonReader
{
    /// <summary>GPT-2's pre-tokenization pattern, used by a ByteLevel pre-tokenizer with <c>use_regex</c>.</summary>
    internal const string Gpt2Pattern =
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public const string SupportedModels = "byte-level BPE (model.type \"BPE\" with a ByteLevel pre-tokenizer or decoder)";

    public sealed record Result(
        BpeTokenizer Tokenizer,
        IReadOnlyDictionary<int, string> IdToToken,
        IReadOnlyDictionary<string, int> AddedTokens,
        IReadOnlySet<int> SpecialAddedIds,
        bool? AddBos,
        bool NormalizesToNfc);

    /// <summary>True when the file's model is BPE over bytes (ByteLevel pre-tokenizer or decoder).</summary>
    public static bool IsByteLevelBpe(string path)
    {
        var root = SpecialTokenConfigReader.ReadObject(path);
        return root?["model"] is JsonObject model
            && ((model["type"] as JsonValue)?.GetValue<string>() ?? (model["merges"] is not null ? "BPE" : null)) == "BPE"
            && UsesByteLevel(root);
    }

    public static Result Read(string path)
    {
        var root = SpecialTokenConfigReader.ReadObject(path)
            ?? throw new TokenizerException(path, "file not found");
        if (root["model"] is not JsonObject model)
        {
            throw new TokenizerException(path, "no \"model\" object");
        }

        var type = (model["type"] as JsonValue)?.GetValue<string>() ?? (model["merges"] is not null ? "BPE" : null);
        if (!string.Equals(type, "BPE", StringComparison.Ordinal))
        {
            throw new TokenizerException(path, $"model.type \"{type ?? "(missing)"}\" is not supported; supported: {SupportedModels}, and SentencePiece tokenizer.model files");
        }

        if (!UsesByteLevel(root))
        {
            throw new TokenizerException(path, $"BPE without a ByteLevel pre-tokenizer or decoder (e.g. SentencePiece-style BPE with byte fallback) is not supported; supported: {SupportedModels}");
        }

        if (model["vocab"] is not JsonObject vocabNode)
        {
            throw new TokenizerException(path, "model.vocab is missing or not an object");
        }

        var vocab = new Dictionary<string, int>(vocabNode.Count, StringComparer.Ordinal);
        foreach (var (token, value) in vocabNode)
        {
            vocab[token] = value is JsonValue v && v.TryGetValue<int>(out var id)
                ? id
                : throw new TokenizerException(path, $"model.vocab[\"{token}\"] is not an integer id");
        }

        var merges = ReadMerges(model["merges"], path);
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        var specialAdded = new HashSet<int>();
        if (root["added_tokens"] is JsonArray addedTokens)
        {
            foreach (var item in addedTokens)
            {
                if (item is JsonObject o && o["content"] is JsonValue c && c.TryGetValue<string>(out var content)
                    && o["id"] is JsonValue i && i.TryGetValue<int>(out var id))
                {
                    added[content] = id;
                    if (o["special"] is not JsonValue sp || !sp.TryGetValue<bool>(out var isSpecial) || isSpecial)
                    {
                        specialAdded.Add(id);
                    }
                }
                else
                {
                    throw new TokenizerException(path, $"added_tokens entry without content and id: {item?.ToJsonString()}");
                }
            }
        }

        var idToToken = new Dictionary<int, string>(vocab.Count + added.Count);
        foreach (var (token, id) in vocab)
        {
            idToToken[id] = token;
        }

        foreach (var (token, id) in added)
        {
            idToToken[id] = token;
        }

        var pattern = FindSplitPattern(root) ?? Gpt2Pattern;
        Regex regex;
        try
        {
            regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException ex)
        {
            throw new TokenizerException(path, $"the pre-tokenizer regex is not one .NET can run ({ex.Message}): {pattern}", ex);
        }
        var options = new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = true,
            SpecialTokens = added.Count > 0 ? added : null,
            PreTokenizer = new RegexPreTokenizer(regex, added.Count > 0 ? added : null),
        };

        BpeTokenizer tokenizer;
        try
        {
            tokenizer = BpeTokenizer.Create(options);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new TokenizerException(path, $"Microsoft.ML.Tokenizers rejected the BPE model: {ex.Message}", ex);
        }

        return new Result(tokenizer, idToToken, added, specialAdded, AddBosFromPostProcessor(root), ContainsType(root["normalizer"], "NFC"));
    }

    private static bool UsesByteLevel(JsonObject root) =>
        ContainsType(root["pre_tokenizer"], "ByteLevel") || ContainsType(root["decoder"], "ByteLevel");

    private static bool ContainsType(JsonNode? node, string type) => node switch
    {
        JsonObject o => (o["type"] is JsonValue t && t.TryGetValue<string>(out var s) && s == type)
            || o.Any(p => ContainsType(p.Value, type)),
        JsonArray a => a.Any(item => ContainsType(item, type)),
        _ => false,
    };

    /// <summary>The regex of a <c>Split</c> pre-tokenizer (Llama 3, Qwen2), if there is one.</summary>
    private static string? FindSplitPattern(JsonObject root)
    {
        static IEnumerable<JsonObject> Steps(JsonNode? node) => node switch
        {
            JsonObject o when o["pretokenizers"] is JsonArray list => list.SelectMany(Steps),
            JsonObject o => [o],
            _ => [],
        };

        foreach (var step in Steps(root["pre_tokenizer"]))
        {
            if (step["type"]?.GetValue<string>() == "Split" && step["pattern"] is JsonObject pattern
                && pattern["Regex"] is JsonValue r && r.TryGetValue<string>(out var regex))
            {
                return regex;
            }
        }

        return null;
    }

    private static List<string> ReadMerges(JsonNode? node, string path)
    {
        if (node is not JsonArray list)
        {
            throw new TokenizerException(path, "model.merges is missing or not a list");
        }

        var merges = new List<string>(list.Count);
        foreach (var item in list)
        {
            switch (item)
            {
                case JsonValue v when v.TryGetValue<string>(out var s) && s.Split(' ').Length == 2:
                    merges.Add(s);
                    break;
                case JsonArray pair when pair.Count == 2 && pair[0] is JsonValue a && pair[1] is JsonValue b
                    && a.TryGetValue<string>(out var left) && b.TryGetValue<string>(out var right):
                    merges.Add(left + " " + right);
                    break;
                default:
                    throw new TokenizerException(path, $"model.merges entry is neither \"a b\" nor [a, b]: {item?.ToJsonString()}");
            }
        }

        return merges;
    }

    /// <summary>True when a TemplateProcessing post-processor starts single sequences with a special token.</summary>
    private static bool? AddBosFromPostProcessor(JsonObject root)
    {
        static IEnumerable<JsonObject> Processors(JsonNode? node) => node switch
        {
            JsonObject o when o["processors"] is JsonArray list => list.SelectMany(Processors),
            JsonObject o => [o],
            _ => [],
        };

        foreach (var processor in Processors(root["post_processor"]))
        {
            if (processor["type"]?.GetValue<string>() == "TemplateProcessing" && processor["single"] is JsonArray single)
            {
                return single.Count > 0 && single[0] is JsonObject first && first["SpecialToken"] is not null;
            }
        }

        return null;
    }
}
