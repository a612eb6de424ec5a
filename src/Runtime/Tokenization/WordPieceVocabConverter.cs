using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// Turns BERT's <c>vocab.txt</c> (one token a line; the line number is the id) into the tokenizer.json Hugging Face's
/// <c>BertConverter</c> makes of it: <c>BertNormalizer</c> (clean text, CJK characters apart, accents stripped when
/// lower-casing unless <c>strip_accents</c> says otherwise, lower-casing per <c>do_lower_case</c>),
/// <c>BertPreTokenizer</c>, WordPiece with <c>##</c> and 100 characters a word, <c>[CLS] … [SEP]</c>.
/// </summary>
internal static class WordPieceVocabConverter
{
    public static JsonObject ToTokenizerJson(string[] lines, JsonObject? tokenizerConfig, string path)
    {
        var vocab = new JsonObject();
        for (var id = 0; id < lines.Length; id++)
        {
            var token = lines[id].TrimEnd('\r');
            if (token.Length == 0 && id == lines.Length - 1)
            {
                break;
            }

            if (vocab.ContainsKey(token))
            {
                throw new TokenizerException(path, $"line {id + 1}: token '{token}' appears twice");
            }

            vocab[token] = id;
        }

        bool? Flag(string name) => tokenizerConfig?[name] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;
        string Token(string name, string fallback) =>
            tokenizerConfig?[name] switch
            {
                JsonValue v when v.TryGetValue<string>(out var s) => s,
                JsonObject o when o["content"] is JsonValue c && c.TryGetValue<string>(out var s) => s,
                _ => fallback,
            };

        var unk = Token("unk_token", "[UNK]");
        var cls = Token("cls_token", "[CLS]");
        var sep = Token("sep_token", "[SEP]");
        foreach (var required in new[] { unk, cls, sep })
        {
            if (!vocab.ContainsKey(required))
            {
                throw new TokenizerException(path, $"has no '{required}' token");
            }
        }

        var added = new JsonArray();
        foreach (var name in new[] { "pad_token", "unk_token", "cls_token", "sep_token", "mask_token" })
        {
            var token = Token(name, name switch { "pad_token" => "[PAD]", "unk_token" => "[UNK]", "cls_token" => "[CLS]", "sep_token" => "[SEP]", _ => "[MASK]" });
            if (vocab[token] is JsonValue id && !added.Any(a => a!["content"]!.GetValue<string>() == token))
            {
                added.Add(new JsonObject
                {
                    ["id"] = id.GetValue<int>(),
                    ["content"] = token,
                    ["single_word"] = false,
                    ["lstrip"] = false,
                    ["rstrip"] = false,
                    ["normalized"] = false,
                    ["special"] = true,
                });
            }
        }

        var clsId = vocab[cls]!.GetValue<int>();
        var sepId = vocab[sep]!.GetValue<int>();
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject
            {
                ["type"] = "BertNormalizer",
                ["clean_text"] = true,
                ["handle_chinese_chars"] = Flag("tokenize_chinese_chars") ?? true,
                ["strip_accents"] = Flag("strip_accents"),
                ["lowercase"] = Flag("do_lower_case") ?? true,
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = cls, ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = sep, ["type_id"] = 0 } }),
                ["pair"] = new JsonArray(),
                ["special_tokens"] = new JsonObject
                {
                    [cls] = new JsonObject { ["id"] = cls, ["ids"] = new JsonArray(clsId), ["tokens"] = new JsonArray(cls) },
                    [sep] = new JsonObject { ["id"] = sep, ["ids"] = new JsonArray(sepId), ["tokens"] = new JsonArray(sep) },
                },
            },
            ["decoder"] = new JsonObject { ["type"] = "WordPiece", ["prefix"] = "##", ["cleanup"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "WordPiece",
                ["unk_token"] = unk,
                ["continuing_subword_prefix"] = "##",
                ["max_input_chars_per_word"] = 100,
                ["vocab"] = vocab,
            },
        };
    }
}
