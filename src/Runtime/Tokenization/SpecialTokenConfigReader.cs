using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// Finds BOS, EOS (stop tokens) and pad ids in a checkpoint folder. Ids given as numbers in
/// <c>generation_config.json</c> come first, then <c>config.json</c> (and its <c>text_config</c>); token
/// strings in <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> are resolved through the vocabulary.
/// Every EOS id found in any of these files is a stop token.
/// </summary>
internal static class SpecialTokenConfigReader
{
    public static SpecialTokenIds Read(
        string folder, Func<string, int?> tokenToId, bool? addBosFromTokenizerFile, bool addBosDefault,
        ILogger? logger, CancellationToken cancellationToken)
    {
        int? bos = null, pad = null;
        var eos = new List<int>();
        bool? addBos = null;

        foreach (var name in new[] { "generation_config.json", "config.json" })
        {
            cancellationToken.ThrowIfCancellationRequested();
            var root = ReadObject(Path.Combine(folder, name));
            if (root is null)
            {
                continue;
            }

            foreach (var section in new[] { root, root["text_config"] as JsonObject })
            {
                if (section is null)
                {
                    continue;
                }

                bos ??= FirstId(section["bos_token_id"], Path.Combine(folder, name));
                pad ??= FirstId(section["pad_token_id"], Path.Combine(folder, name));
                AddDistinct(eos, ReadIds(section["eos_token_id"], Path.Combine(folder, name)));
            }
        }

        foreach (var name in new[] { "tokenizer_config.json", "special_tokens_map.json" })
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = Path.Combine(folder, name);
            var root = ReadObject(path);
            if (root is null)
            {
                continue;
            }

            bos ??= Resolve(root["bos_token"], tokenToId, path, logger);
            pad ??= Resolve(root["pad_token"], tokenToId, path, logger);
            if (Resolve(root["eos_token"], tokenToId, path, logger) is int e)
            {
                AddDistinct(eos, [e]);
            }

            if (root["add_bos_token"] is JsonValue flag && flag.TryGetValue<bool>(out var value))
            {
                addBos ??= value;
            }
        }

        var add = (addBos ?? addBosFromTokenizerFile ?? addBosDefault) && bos is not null;
        logger?.LogDebug("Special tokens: bos {Bos}, eos {Eos}, pad {Pad}, add bos {AddBos}", bos, string.Join(",", eos), pad, add);
        return new SpecialTokenIds(bos, eos, pad, add);
    }

    internal static JsonObject? ReadObject(string path) => TokenizerFileReader.ReadObject(path);

    private static void AddDistinct(List<int> into, IEnumerable<int> ids)
    {
        foreach (var id in ids)
        {
            if (id >= 0 && !into.Contains(id))
            {
                into.Add(id);
            }
        }
    }

    private static int? FirstId(JsonNode? node, string path) =>
        ReadIds(node, path) is { Count: > 0 } ids && ids[0] >= 0 ? ids[0] : null;

    /// <summary>An id field: a number, a list of numbers, or null.</summary>
    internal static IReadOnlyList<int> ReadIds(JsonNode? node, string path)
    {
        switch (node)
        {
            case null:
                return [];
            case JsonValue v when v.TryGetValue<int>(out var id):
                return [id];
            case JsonArray list:
                return list.Select(item => item is JsonValue iv && iv.TryGetValue<int>(out var i)
                    ? i
                    : throw new TokenizerException(path, $"expected token ids as integers, found {item?.ToJsonString() ?? "null"}")).ToArray();
            default:
                throw new TokenizerException(path, $"expected a token id or a list of ids, found {node.ToJsonString()}");
        }
    }

    /// <summary>A token field: a string or an object with <c>content</c> (AddedToken).</summary>
    private static int? Resolve(JsonNode? node, Func<string, int?> tokenToId, string path, ILogger? logger)
    {
        var text = node switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonObject o when o["content"] is JsonValue c && c.TryGetValue<string>(out var s) => s,
            _ => null,
        };
        if (text is null)
        {
            return null;
        }

        var id = tokenToId(text);
        if (id is null)
        {
            logger?.LogWarning("{File} names special token {Token}, which is not in the vocabulary", Path.GetFileName(path), text);
        }

        return id;
    }
}
