using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// Finds the tokenizer of a checkpoint folder and turns it into a Hugging Face tokenizer.json: the folder's own
/// <c>tokenizer.json</c>; else <c>tokenizer.model</c> (SentencePiece, or tiktoken ranks); else Llama 3's
/// <c>original/tokenizer.model</c>; else <c>vocab.json</c> + <c>merges.txt</c> (GPT-2, RoBERTa); else <c>vocab.txt</c> (BERT).
/// </summary>
internal static class TokenizerSource
{
    public const string TokenizerJson = "tokenizer.json";
    public const string TokenizerModel = "tokenizer.model";
    public const string OriginalTokenizerModel = "original/tokenizer.model";
    public const string VocabJson = "vocab.json";
    public const string MergesTxt = "merges.txt";
    public const string VocabTxt = "vocab.txt";

    /// <summary>True when <paramref name="folder"/> holds any tokenizer file this class reads.</summary>
    public static bool Exists(string folder) =>
        File.Exists(Path.Combine(folder, TokenizerJson)) || File.Exists(Path.Combine(folder, TokenizerModel))
        || File.Exists(Path.Combine(folder, OriginalTokenizerModel))
        || (File.Exists(Path.Combine(folder, VocabJson)) && File.Exists(Path.Combine(folder, MergesTxt)))
        || File.Exists(Path.Combine(folder, VocabTxt));

    /// <summary>The tokenizer.json of <paramref name="folder"/> and the file it came from.</summary>
    public static (JsonObject Json, string Path, SpecialTokenIds? ModelDefaults, byte[]? Original) Read(string folder, ILogger? logger, CancellationToken cancellationToken)
    {
        var json = Path.Combine(folder, TokenizerJson);
        if (File.Exists(json))
        {
            var bytes = TokenizerFileReader.ReadBytes(json, TokenizerFileReader.MaxJsonBytes);
            if (bytes.AsSpan().StartsWith("\uFEFF"u8))
            {
                bytes = bytes[3..];
            }

            return (ParseObject(json, bytes), json, null, bytes);
        }

        var config = SpecialTokenConfigReader.ReadObject(Path.Combine(folder, "tokenizer_config.json"));
        foreach (var model in new[] { Path.Combine(folder, TokenizerModel), Path.Combine(folder, OriginalTokenizerModel) })
        {
            if (!File.Exists(model))
            {
                continue;
            }

            var data = TokenizerFileReader.ReadBytes(model, TokenizerFileReader.MaxModelBytes);
            cancellationToken.ThrowIfCancellationRequested();
            if (TiktokenConverter.LooksLikeRanks(data))
            {
                logger?.LogInformation("{Model} holds tiktoken ranks (Llama 3); converting to byte-level BPE", model);
                // Meta's tokenizer.py: BOS <|begin_of_text|>; generation stops at <|end_of_text|>, <|eot_id|> and <|eom_id|>.
                return (TiktokenConverter.ToTokenizerJson(data, model), model, new SpecialTokenIds(128000, [128001, 128009, 128008], null, true), null);
            }

            var sentencePiece = SentencePieceModelReader.Read(data, model);
            var addBos = Flag(config, "add_bos_token") ?? true;
            var addEos = Flag(config, "add_eos_token") ?? false;
            logger?.LogInformation("{Model} is a SentencePiece {Type} model; converting as Hugging Face does", model, sentencePiece.ModelType);
            var defaults = new SpecialTokenIds(
                sentencePiece.BosId >= 0 ? sentencePiece.BosId : null, sentencePiece.EosId >= 0 ? [sentencePiece.EosId] : [],
                sentencePiece.PadId >= 0 ? sentencePiece.PadId : null, addBos);
            return (SentencePieceConverter.ToTokenizerJson(sentencePiece, addBos, addEos, model), model, defaults, null);
        }

        var vocabJson = Path.Combine(folder, VocabJson);
        var merges = Path.Combine(folder, MergesTxt);
        if (File.Exists(vocabJson) && File.Exists(merges))
        {
            return (ByteLevelBpeVocabConverter.ToTokenizerJson(ReadText(vocabJson), ReadText(merges).Split('\n'), config, vocabJson, merges), vocabJson, null, null);
        }

        var vocabTxt = Path.Combine(folder, VocabTxt);
        if (File.Exists(vocabTxt))
        {
            return (WordPieceVocabConverter.ToTokenizerJson(ReadText(vocabTxt).Split('\n'), config, vocabTxt), vocabTxt, null, null);
        }

        throw new TokenizerException(
            json, $"no tokenizer in the checkpoint folder: none of {TokenizerJson}, {TokenizerModel}, {OriginalTokenizerModel}, {VocabJson} + {MergesTxt}, {VocabTxt} exists");
    }

    /// <summary>A JSON object from <paramref name="text"/>, or a <see cref="TokenizerException"/> naming <paramref name="path"/>.</summary>
    public static JsonObject ParseObject(string path, string text) => ParseObject(path, Encoding.UTF8.GetBytes(text));

    /// <summary>A JSON object from UTF-8 <paramref name="utf8"/>, or a <see cref="TokenizerException"/> naming <paramref name="path"/>.</summary>
    public static JsonObject ParseObject(string path, byte[] utf8) => TokenizerFileReader.ParseObject(path, utf8);

    private static string ReadText(string path) => TokenizerFileReader.ReadText(path, TokenizerFileReader.MaxModelBytes);

    private static bool? Flag(JsonObject? config, string name) => config?[name] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;
}
