using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;
using PrecisionAnalyzers.Runtime.Encoders;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// BERT's WordPiece tokenizer (Microsoft.ML.Tokenizers <see cref="BertTokenizer"/>) read from a model folder: the
/// vocabulary from <c>vocab.txt</c>, or from the WordPiece model of <c>tokenizer.json</c>; lower-casing from
/// <c>sentence_bert_config.json</c>, then <c>tokenizer_config.json</c>, then the tokenizer.json normalizer (default true).
/// </summary>
public sealed class WordPieceTextTokenizer : IEncoderTokenizer
{
    private readonly BertTokenizer _tokenizer;

    private WordPieceTextTokenizer(BertTokenizer tokenizer, bool lowerCase)
    {
        _tokenizer = tokenizer;
        LowerCase = lowerCase;
    }

    public bool LowerCase { get; }

    public int PadTokenId => _tokenizer.PaddingTokenId;

    public int ClsTokenId => _tokenizer.ClassificationTokenId;

    public int SepTokenId => _tokenizer.SeparatorTokenId;

    /// <summary>True when <paramref name="folder"/> holds a WordPiece vocabulary (vocab.txt, or a tokenizer.json whose model is WordPiece).</summary>
    public static bool CanLoad(string folder) => File.Exists(Path.Combine(folder, "vocab.txt")) || ReadTokenizerJsonVocab(folder) is not null;

    /// <summary>Reads the tokenizer of the model folder <paramref name="folder"/>.</summary>
    public static WordPieceTextTokenizer Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var lowerCase = ReadLowerCase(folder);
        var options = new BertOptions { LowerCaseBeforeTokenization = lowerCase, ApplyBasicTokenization = true };
        var vocabFile = Path.Combine(folder, "vocab.txt");
        if (File.Exists(vocabFile))
        {
            return new WordPieceTextTokenizer(BertTokenizer.Create(vocabFile, options), lowerCase);
        }

        var vocab = ReadTokenizerJsonVocab(folder)
            ?? throw new FileNotFoundException($"{folder} has no WordPiece vocabulary: neither vocab.txt nor a tokenizer.json with a WordPiece model.", vocabFile);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', vocab) + "\n"));
        return new WordPieceTextTokenizer(BertTokenizer.Create(stream, options), lowerCase);
    }

    /// <summary>Writes a vocabulary as <c>vocab.txt</c> (one token a line, the line number is the id).</summary>
    public static void WriteVocab(string folder, IEnumerable<string> tokens) =>
        File.WriteAllText(Path.Combine(folder, "vocab.txt"), string.Join('\n', tokens) + "\n");

    /// <summary>
    /// Token ids of <paramref name="text"/> as <c>[CLS] … [SEP]</c>, at most <paramref name="maxTokens"/> long (the text is
    /// cut, <c>[SEP]</c> kept); <paramref name="truncated"/> says whether anything was cut.
    /// </summary>
    public int[] Encode(string text, int maxTokens, out bool truncated)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 2);
        var ids = _tokenizer.EncodeToIds(text, addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true);
        var body = Math.Min(ids.Count, maxTokens - 2);
        truncated = body < ids.Count;
        var result = new int[body + 2];
        result[0] = ClsTokenId;
        for (var i = 0; i < body; i++)
        {
            result[i + 1] = ids[i];
        }

        result[^1] = SepTokenId;
        return result;
    }

    private static bool ReadLowerCase(string folder)
    {
        foreach (var file in new[] { "sentence_bert_config.json", "tokenizer_config.json" })
        {
            if (ReadJson(Path.Combine(folder, file)) is JsonObject json && json["do_lower_case"] is JsonValue value && value.TryGetValue<bool>(out var lower))
            {
                return lower;
            }
        }

        if (ReadJson(Path.Combine(folder, "tokenizer.json"))?["normalizer"] is JsonObject normalizer
            && normalizer["lowercase"] is JsonValue l && l.TryGetValue<bool>(out var lowercase))
        {
            return lowercase;
        }

        return true;
    }

    private static string[]? ReadTokenizerJsonVocab(string folder)
    {
        if (ReadJson(Path.Combine(folder, "tokenizer.json"))?["model"] is not JsonObject model
            || model["type"]?.GetValue<string>() != "WordPiece"
            || model["vocab"] is not JsonObject vocab)
        {
            return null;
        }

        var tokens = new string[vocab.Count];
        foreach (var (token, id) in vocab)
        {
            var index = id?.GetValue<int>() ?? -1;
            if (index < 0 || index >= tokens.Length || tokens[index] is not null)
            {
                throw new InvalidDataException($"tokenizer.json in {folder}: the WordPiece vocabulary gives '{token}' the id {index}, outside 0..{tokens.Length - 1} or taken twice.");
            }

            tokens[index] = token;
        }

        return tokens;
    }

    private static JsonNode? ReadJson(string path) => File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
}
