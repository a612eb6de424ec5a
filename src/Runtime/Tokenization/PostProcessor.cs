using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// The special tokens a tokenizer.json <c>post_processor</c> puts around one sequence (Hugging Face's
/// <c>add_special_tokens=True</c>): <c>TemplateProcessing</c>'s <c>single</c> template, <c>RobertaProcessing</c> and
/// <c>BertProcessing</c> (<c>cls … sep</c>), <c>ByteLevel</c> (none), or a <c>Sequence</c> of these.
/// </summary>
internal sealed class PostProcessor
{
    public static readonly PostProcessor None = new([], []);

    private PostProcessor(int[] prefix, int[] suffix)
    {
        Prefix = prefix;
        Suffix = suffix;
    }

    /// <summary>Ids put before the text.</summary>
    public IReadOnlyList<int> Prefix { get; }

    /// <summary>Ids put after the text.</summary>
    public IReadOnlyList<int> Suffix { get; }

    /// <summary>
    /// This post-processor with <paramref name="id"/> put first (<paramref name="add"/> true) or taken out (false), as
    /// transformers does when <c>tokenizer_config.json</c> sets <c>add_bos_token</c>; <paramref name="atEnd"/> for EOS.
    /// </summary>
    public PostProcessor With(int id, bool add, bool atEnd)
    {
        var prefix = Prefix.ToList();
        var suffix = Suffix.ToList();
        var list = atEnd ? suffix : prefix;
        if (!add)
        {
            list.RemoveAll(i => i == id);
        }
        else if (!list.Contains(id))
        {
            list.Insert(atEnd ? list.Count : 0, id);
        }

        return new([.. prefix], [.. suffix]);
    }

    public int[] Apply(int[] ids) => Prefix.Count == 0 && Suffix.Count == 0 ? ids : [.. Prefix, .. ids, .. Suffix];

    /// <summary>Reads a <c>post_processor</c> node; <paramref name="tokenToId"/> resolves tokens named without ids.</summary>
    public static PostProcessor Read(JsonNode? node, Func<string, int?> tokenToId, string path)
    {
        if (node is null)
        {
            return None;
        }

        if (node is not JsonObject processor)
        {
            throw new TokenizerException(path, "post_processor is not an object");
        }

        var type = processor["type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null;
        switch (type)
        {
            case "ByteLevel":
                return None;
            case "RobertaProcessing" or "BertProcessing":
                return new([Pair(processor["cls"], path)], [Pair(processor["sep"], path)]);
            case "TemplateProcessing":
                return Template(processor, tokenToId, path);
            case "Sequence":
                var prefix = new List<int>();
                var suffix = new List<int>();
                foreach (var inner in processor["processors"] as JsonArray ?? [])
                {
                    var p = Read(inner, tokenToId, path);
                    prefix.InsertRange(0, p.Prefix);
                    suffix.AddRange(p.Suffix);
                }

                return new([.. prefix], [.. suffix]);
            default:
                throw new TokenizerException(
                    path, $"unsupported post_processor type '{type}' (supported: TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel, Sequence)");
        }
    }

    private static int Pair(JsonNode? node, string path) =>
        node is JsonArray { Count: 2 } pair && pair[1] is JsonValue id && id.TryGetValue<int>(out var value)
            ? value
            : throw new TokenizerException(path, "post_processor: cls/sep is not a [token, id] pair");

    private static PostProcessor Template(JsonObject processor, Func<string, int?> tokenToId, string path)
    {
        var prefix = new List<int>();
        var suffix = new List<int>();
        var seenSequence = false;
        var specials = processor["special_tokens"] as JsonObject;
        foreach (var item in processor["single"] as JsonArray ?? [])
        {
            if (item is JsonObject o && o["Sequence"] is not null)
            {
                seenSequence = true;
                continue;
            }

            var name = item is JsonObject step && step["SpecialToken"] is JsonObject special && special["id"] is JsonValue idNode && idNode.TryGetValue<string>(out var text)
                ? text
                : throw new TokenizerException(path, "post_processor: a TemplateProcessing item is neither SpecialToken (with a string id) nor Sequence");
            var ids = specials?[name] is JsonObject entry && entry["ids"] is JsonArray list
                ? list.Select(n => n is JsonValue value && value.TryGetValue<int>(out var i)
                    ? i
                    : throw new TokenizerException(path, $"post_processor.special_tokens.{name}.ids must hold integer ids, found {n?.ToJsonString() ?? "null"}")).ToArray()
                : tokenToId(name) is int id ? [id] : throw new TokenizerException(path, $"post_processor: the template's special token '{name}' has no id");
            (seenSequence ? suffix : prefix).AddRange(ids);
        }

        return new([.. prefix], [.. suffix]);
    }
}
