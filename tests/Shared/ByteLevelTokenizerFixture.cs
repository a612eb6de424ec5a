using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Tests.Shared;

/// <summary>
/// Writes a small ByteLevel BPE tokenizer.json: the 256 byte symbols (GPT-2's byte-to-character map; id = byte value),
/// six merges ("he", "ll", "hell", "hello", "Ġw", "or": ids 256–261), and the added token &lt;|endoftext|&gt; (262).
/// </summary>
internal static class ByteLevelTokenizerFixture
{
    public const int VocabularySize = 263;

    public static void Write(string folder, bool mergesAsPairs = false)
    {
        var vocab = new JsonObject();
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            vocab[((char)(printable ? b : next++)).ToString()] = b;
        }

        string[][] merges = [["h", "e"], ["l", "l"], ["he", "ll"], ["hell", "o"], ["Ġ", "w"], ["o", "r"]];
        for (var i = 0; i < merges.Length; i++)
        {
            vocab[merges[i][0] + merges[i][1]] = 256 + i;
        }

        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(new JsonObject
            {
                ["id"] = 262, ["content"] = "<|endoftext|>", ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
            }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = ByteLevel(),
            ["decoder"] = ByteLevel(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["vocab"] = vocab,
                ["merges"] = mergesAsPairs
                    ? new JsonArray(merges.Select(m => (JsonNode)new JsonArray(m[0], m[1])).ToArray())
                    : new JsonArray(merges.Select(m => (JsonNode)$"{m[0]} {m[1]}").ToArray()),
            },
        };
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), tokenizer.ToJsonString());
    }

    private static JsonObject ByteLevel() =>
        new() { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true };
}
