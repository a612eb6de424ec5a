using System.Text;
using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// Turns Meta's Llama 3 <c>original/tokenizer.model</c> (tiktoken ranks: one <c>base64 rank</c> line per token) into the
/// tokenizer.json Hugging Face's <c>TikTokenConverter</c> makes of it: byte-level BPE whose merges are every split of a
/// token into two tokens, ranked by the token's rank (so BPE merges as tiktoken does), <c>ignore_merges</c>, Llama 3's
/// split pattern, and its 256 special tokens after the ranks.
/// </summary>
internal static class TiktokenConverter
{
    public const string Llama3Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>True when <paramref name="data"/> starts like a tiktoken ranks file (<c>base64 rank</c> lines).</summary>
    public static bool LooksLikeRanks(byte[] data)
    {
        var end = Array.IndexOf(data, (byte)'\n', 0, Math.Min(data.Length, 512));
        if (end <= 0)
        {
            return false;
        }

        var line = Encoding.ASCII.GetString(data, 0, end).TrimEnd('\r');
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && line[(space + 1)..].All(char.IsAsciiDigit) && line[..space].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=');
    }

    public static JsonObject ToTokenizerJson(byte[] data, string path)
    {
        var ranks = ReadRanks(data, path);
        var byBytes = new Dictionary<string, int>(StringComparer.Ordinal);
        var vocab = new JsonObject();
        foreach (var (bytes, rank) in ranks)
        {
            var token = ByteLevelAlphabet.Encode(bytes);
            if (!byBytes.TryAdd(token, rank))
            {
                throw new TokenizerException(path, $"token of rank {rank} appears twice");
            }

            vocab[token] = rank;
        }

        var merges = new List<(string Left, string Right, int Rank, int LeftRank, int RightRank)>();
        foreach (var (bytes, rank) in ranks)
        {
            if (bytes.Length < 2)
            {
                continue;
            }

            for (var i = 1; i < bytes.Length; i++)
            {
                var left = ByteLevelAlphabet.Encode(bytes.AsSpan(0, i));
                var right = ByteLevelAlphabet.Encode(bytes.AsSpan(i));
                if (byBytes.TryGetValue(left, out var l) && byBytes.TryGetValue(right, out var r))
                {
                    merges.Add((left, right, rank, l, r));
                }
            }
        }

        merges.Sort((a, b) => a.Rank != b.Rank ? a.Rank.CompareTo(b.Rank) : a.LeftRank != b.LeftRank ? a.LeftRank.CompareTo(b.LeftRank) : a.RightRank.CompareTo(b.RightRank));
        var mergeArray = new JsonArray();
        foreach (var m in merges)
        {
            mergeArray.Add(new JsonArray(m.Left, m.Right));
        }

        var added = new JsonArray();
        var specials = SpecialTokenNames();
        var first = ranks.Count;
        for (var i = 0; i < specials.Count; i++)
        {
            added.Add(new JsonObject
            {
                ["id"] = first + i,
                ["content"] = specials[i],
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            });
        }

        var byteLevel = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false };
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = Llama3Pattern }, ["behavior"] = "Isolated", ["invert"] = false },
                    byteLevel),
            },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = specials[0], ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
                ["pair"] = new JsonArray(),
                ["special_tokens"] = new JsonObject
                {
                    [specials[0]] = new JsonObject { ["id"] = specials[0], ["ids"] = new JsonArray(first), ["tokens"] = new JsonArray(specials[0]) },
                },
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = true,
                ["vocab"] = vocab,
                ["merges"] = mergeArray,
            },
        };
    }

    /// <summary>Llama 3.1+'s special tokens, in id order after the ranks (Meta's tokenizer.py).</summary>
    private static List<string> SpecialTokenNames()
    {
        var names = new List<string>
        {
            "<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
            "<|finetune_right_pad_id|>", "<|step_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>",
        };
        for (var i = 2; names.Count < 256; i++)
        {
            names.Add($"<|reserved_special_token_{i}|>");
        }

        return names;
    }

    private static List<(byte[] Bytes, int Rank)> ReadRanks(byte[] data, string path)
    {
        var ranks = new List<(byte[], int)>();
        var text = Encoding.ASCII.GetString(data);
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || !int.TryParse(line.AsSpan(space + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var rank))
            {
                throw new TokenizerException(path, $"line {lineNumber} is not 'base64 rank'");
            }

            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(line[..space]);
            }
            catch (FormatException ex)
            {
                throw new TokenizerException(path, $"line {lineNumber}: the token is not base64", ex);
            }

            if (rank != ranks.Count)
            {
                throw new TokenizerException(path, $"line {lineNumber}: rank {rank} where {ranks.Count} was expected (ranks must be 0, 1, 2, ...)");
            }

            ranks.Add((bytes, rank));
        }

        if (ranks.Count == 0)
        {
            throw new TokenizerException(path, "holds no ranks");
        }

        return ranks;
    }
}
