using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PrecisionAnalyzers.Runtime.Encoders;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// BERT's WordPiece tokenizer read from a model folder and run by Hugging Face's <c>tokenizers</c> (through
/// <see cref="CheckpointTokenizer"/>): the folder's <c>tokenizer.json</c>, else <c>vocab.txt</c> converted as Hugging Face
/// does (BertNormalizer per <c>tokenizer_config.json</c>'s <c>do_lower_case</c>, <c>strip_accents</c>,
/// <c>tokenize_chinese_chars</c>). <c>do_lower_case</c> in <c>sentence_bert_config.json</c> only adds a lower-casing of the
/// text first, as sentence-transformers does; it never turns the tokenizer's own lower-casing off.
/// </summary>
public sealed class WordPieceTextTokenizer : IEncoderTokenizer
{
    private readonly CheckpointTokenizer _tokenizer;

    private readonly int[] _prefix;
    private readonly int[] _suffix;

    private WordPieceTextTokenizer(CheckpointTokenizer tokenizer, bool lowerCase, int pad)
    {
        _tokenizer = tokenizer;
        LowerCase = lowerCase;
        PadTokenId = pad;
        // BERT reads [CLS] … [SEP]; a tokenizer.json without a post-processor still gets them.
        _prefix = tokenizer.PrefixIds.Count > 0 ? [.. tokenizer.PrefixIds] : [Required(tokenizer, "[CLS]")];
        _suffix = tokenizer.SuffixIds.Count > 0 ? [.. tokenizer.SuffixIds] : [Required(tokenizer, "[SEP]")];
    }

    /// <summary>True when <c>sentence_bert_config.json</c> asks for the text to be lower-cased before tokenization.</summary>
    public bool LowerCase { get; }

    public int PadTokenId { get; }

    public int ClsTokenId => _prefix[0];

    public int SepTokenId => _suffix[^1];

    /// <summary>The tokenizer underneath.</summary>
    public CheckpointTokenizer Tokenizer => _tokenizer;

    /// <summary>True when <paramref name="folder"/> holds a WordPiece vocabulary (vocab.txt, or a tokenizer.json whose model is WordPiece).</summary>
    public static bool CanLoad(string folder)
    {
        var json = Path.Combine(folder, CheckpointTokenizer.TokenizerJsonFile);
        if (File.Exists(json))
        {
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(json));
                return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                    && document.RootElement.TryGetProperty("model", out var model) && model.ValueKind == System.Text.Json.JsonValueKind.Object
                    && model.TryGetProperty("type", out var type) && type.ValueKind == System.Text.Json.JsonValueKind.String
                    && type.GetString() == "WordPiece";
            }
            catch (System.Text.Json.JsonException)
            {
                return true; // Load reports the malformed file
            }
        }

        return File.Exists(Path.Combine(folder, TokenizerSource.VocabTxt));
    }

    /// <summary>Reads the tokenizer of the model folder <paramref name="folder"/>.</summary>
    /// <exception cref="TokenizerException">The tokenizer files are missing, malformed or not WordPiece.</exception>
    public static WordPieceTextTokenizer Load(string folder, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var tokenizer = CheckpointTokenizer.Load(folder, logger, cancellationToken);
        if (tokenizer.Kind != TokenizerKind.WordPiece)
        {
            throw new TokenizerException(tokenizer.FilePath, $"is a {tokenizer.Kind} tokenizer, not WordPiece");
        }

        var sentenceBert = SpecialTokenConfigReader.ReadObject(Path.Combine(folder, "sentence_bert_config.json"));
        var lowerCase = sentenceBert?["do_lower_case"] is JsonValue v && v.TryGetValue<bool>(out var lower) && lower;
        var pad = tokenizer.SpecialTokens.PadId ?? (tokenizer.TokenToId.TryGetValue("[PAD]", out var p) ? p : 0);
        return new WordPieceTextTokenizer(tokenizer, lowerCase, pad);
    }

    /// <summary>Writes a vocabulary as <c>vocab.txt</c> (one token a line, the line number is the id).</summary>
    public static void WriteVocab(string folder, IEnumerable<string> tokens) =>
        File.WriteAllText(Path.Combine(folder, TokenizerSource.VocabTxt), string.Join('\n', tokens) + "\n");

    /// <summary>
    /// Token ids of <paramref name="text"/> as <c>[CLS] … [SEP]</c>, at most <paramref name="maxTokens"/> long (the text is
    /// cut, <c>[SEP]</c> kept); <paramref name="truncated"/> says whether anything was cut.
    /// </summary>
    public int[] Encode(string text, int maxTokens, out bool truncated)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = _tokenizer.Encode(LowerCase ? text.ToLowerInvariant() : text, addSpecialTokens: false);
        return EncoderFraming.Frame(ids, _prefix, _suffix, maxTokens, out truncated);
    }

    private static int Required(CheckpointTokenizer tokenizer, string token) =>
        tokenizer.TokenToId.TryGetValue(token, out var id) ? id : throw new TokenizerException(tokenizer.FilePath, $"has no '{token}' token and no post-processor naming another");
}
