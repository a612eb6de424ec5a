using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// A decoder model's tokenizer, from its checkpoint folder: <c>tokenizer.json</c> (BPE) or SentencePiece <c>tokenizer.model</c>;
/// whether to add a beginning-of-sequence token (<c>tokenizer_config.json</c>), and the stop tokens for generation
/// (<c>generation_config.json</c>, then <c>config.json</c>, <c>eos_token_id</c> as a number or a list, then the
/// tokenizer's <c>eos_token</c>).
/// </summary>
public sealed class CheckpointTokenizer
{
    private readonly Func<string, int[]> _encode;
    private readonly Func<IEnumerable<int>, string> _decode;

    private CheckpointTokenizer(Func<string, int[]> encode, Func<IEnumerable<int>, string> decode, int? bos, IReadOnlyCollection<int> stop)
    {
        _encode = encode;
        _decode = decode;
        BeginningOfSequenceId = bos;
        StopTokenIds = stop;
    }

    /// <summary>The id put before every prompt, or null when the tokenizer adds none.</summary>
    public int? BeginningOfSequenceId { get; }

    public IReadOnlyCollection<int> StopTokenIds { get; }

    public static bool Exists(string folder) =>
        File.Exists(Path.Combine(folder, "tokenizer.json")) || File.Exists(Path.Combine(folder, "tokenizer.model"));

    public static CheckpointTokenizer Load(string folder)
    {
        var config = ReadJson(Path.Combine(folder, "tokenizer_config.json"));
        var json = Path.Combine(folder, "tokenizer.json");
        var model = Path.Combine(folder, "tokenizer.model");
        if (File.Exists(json))
        {
            var bpe = ByteLevelBpeTokenizer.Load(json);
            var bos = config is { } c && c.TryGetProperty("add_bos_token", out var add) && add.ValueKind == JsonValueKind.True && TokenText(c, "bos_token") is { } bosText ? bpe.IdOf(bosText) : null;
            return new CheckpointTokenizer(bpe.Encode, bpe.Decode, bos, StopTokens(folder, config, bpe.IdOf));
        }

        if (File.Exists(model))
        {
            SentencePieceTokenizer sentencePiece;
            try
            {
                using var stream = File.OpenRead(model);
                sentencePiece = SentencePieceTokenizer.Create(stream, false, false);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or IOException)
            {
                throw new TokenizerException(model, "is not a SentencePiece model the runtime can read: " + e.Message, e);
            }

            var addBos = config is not { } cfg || !cfg.TryGetProperty("add_bos_token", out var flag) || flag.ValueKind != JsonValueKind.False;
            return new CheckpointTokenizer(
                text => [.. sentencePiece.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false)],
                ids => sentencePiece.Decode(ids) ?? string.Empty,
                addBos ? sentencePiece.BeginningOfSentenceId : null,
                StopTokens(folder, config, token => sentencePiece.Vocabulary.TryGetValue(token, out var id) ? id : null) is { Count: > 0 } stop ? stop : [sentencePiece.EndOfSentenceId]);
        }

        throw new TokenizerException(folder, "has neither tokenizer.json nor tokenizer.model");
    }

    /// <summary>The prompt's ids, with the beginning-of-sequence token when the tokenizer adds one.</summary>
    public int[] Encode(string text)
    {
        var ids = _encode(text);
        return BeginningOfSequenceId is { } bos ? [bos, .. ids] : ids;
    }

    public string Decode(IEnumerable<int> ids) => _decode(ids);

    private static IReadOnlyCollection<int> StopTokens(string folder, JsonElement? tokenizerConfig, Func<string, int?> idOf)
    {
        foreach (var file in new[] { "generation_config.json", "config.json" })
        {
            if (ReadJson(Path.Combine(folder, file)) is { } json && json.TryGetProperty("eos_token_id", out var eos))
            {
                if (eos.ValueKind == JsonValueKind.Number && eos.TryGetInt32(out var single))
                {
                    return [single];
                }

                if (eos.ValueKind == JsonValueKind.Array)
                {
                    return eos.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Number).Select(e => e.GetInt32()).ToArray();
                }
            }
        }

        return tokenizerConfig is { } config && TokenText(config, "eos_token") is { } text && idOf(text) is { } id ? [id] : [];
    }

    /// <summary>A token given as a string or as {"content": …}.</summary>
    private static string? TokenText(JsonElement config, string key) =>
        !config.TryGetProperty(key, out var value) ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out var content) ? content.GetString()
        : null;

    private static JsonElement? ReadJson(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new TokenizerException(path, "is not valid JSON: " + e.Message, e);
        }
    }
}
