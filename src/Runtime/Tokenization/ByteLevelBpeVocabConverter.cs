using System.Text.Json;
using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// Turns GPT-2/RoBERTa's <c>vocab.json</c> + <c>merges.txt</c> into the tokenizer.json Hugging Face's converters make of
/// them: byte-level BPE (<c>add_prefix_space</c> from <c>tokenizer_config.json</c>, default false). A vocabulary with
/// <c>&lt;s&gt;</c> and <c>&lt;/s&gt;</c> is RoBERTa's (<c>&lt;s&gt; … &lt;/s&gt;</c>, <c>&lt;mask&gt;</c> taking the space
/// before it); otherwise GPT-2's (no special tokens added, <c>&lt;|endoftext|&gt;</c> special).
/// </summary>
internal static class ByteLevelBpeVocabConverter
{
    public static JsonObject ToTokenizerJson(string vocabJson, string[] mergeLines, JsonObject? tokenizerConfig, string vocabPath, string mergesPath)
    {
        var vocab = TokenizerFileReader.ParseObject(vocabPath, System.Text.Encoding.UTF8.GetBytes(vocabJson));

        foreach (var (token, id) in vocab)
        {
            if (id is not JsonValue v || !v.TryGetValue<int>(out _))
            {
                throw new TokenizerException(vocabPath, $"the id of '{token}' is not a number");
            }
        }

        var merges = new JsonArray();
        for (var i = 0; i < mergeLines.Length; i++)
        {
            var line = mergeLines[i].TrimEnd('\r');
            if (line.Length == 0 || (i == 0 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            var parts = line.Split(' ');
            if (parts.Length != 2)
            {
                throw new TokenizerException(mergesPath, $"line {i + 1} is not two tokens separated by one space");
            }

            merges.Add(new JsonArray(parts[0], parts[1]));
        }

        var prefixSpace = tokenizerConfig?["add_prefix_space"] is JsonValue p && p.TryGetValue<bool>(out var flag) && flag;
        var roberta = vocab.ContainsKey("<s>") && vocab.ContainsKey("</s>");
        var added = new JsonArray();
        foreach (var token in roberta ? new[] { "<s>", "<pad>", "</s>", "<unk>", "<mask>" } : ["<|endoftext|>"])
        {
            if (vocab[token] is JsonValue id)
            {
                added.Add(new JsonObject
                {
                    ["id"] = id.GetValue<int>(),
                    ["content"] = token,
                    ["single_word"] = false,
                    ["lstrip"] = token == "<mask>",
                    ["rstrip"] = false,
                    ["normalized"] = roberta,
                    ["special"] = true,
                });
            }
        }

        JsonObject ByteLevel() => new() { ["type"] = "ByteLevel", ["add_prefix_space"] = prefixSpace, ["trim_offsets"] = true, ["use_regex"] = true };
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = ByteLevel(),
            ["post_processor"] = roberta
                ? new JsonObject
                {
                    ["type"] = "RobertaProcessing",
                    ["sep"] = new JsonArray("</s>", vocab["</s>"]!.GetValue<int>()),
                    ["cls"] = new JsonArray("<s>", vocab["<s>"]!.GetValue<int>()),
                    ["trim_offsets"] = true,
                    ["add_prefix_space"] = prefixSpace,
                }
                : ByteLevel(),
            ["decoder"] = ByteLevel(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = string.Empty,
                ["end_of_word_suffix"] = string.Empty,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["vocab"] = vocab.DeepClone(),
                ["merges"] = merges,
            },
        };
    }
}
