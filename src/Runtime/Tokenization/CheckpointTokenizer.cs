using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>The kind of tokenizer a checkpoint carries.</summary>
public enum TokenizerKind
{
    /// <summary>Byte-level BPE (GPT-2, RoBERTa, Llama 3, Qwen2): tokens are bytes mapped to printable characters.</summary>
    ByteLevelBpe,

    /// <summary>SentencePiece-style BPE or Unigram (Llama 2, Mistral, Gemma): spaces as U+2581, byte fallback.</summary>
    SentencePiece,

    /// <summary>BERT's WordPiece: <c>##</c> continues a word.</summary>
    WordPiece,
}

/// <summary>
/// The tokenizer of a checkpoint folder, run by Hugging Face's own <c>tokenizers</c> library: encodes text to ids (with the
/// special tokens the tokenizer adds), decodes ids to text, and knows the stop tokens for generation. Reads
/// <c>tokenizer.json</c>, else converts <c>tokenizer.model</c> (SentencePiece or tiktoken ranks),
/// <c>original/tokenizer.model</c>, <c>vocab.json</c> + <c>merges.txt</c> or <c>vocab.txt</c> to one as Hugging Face does.
/// </summary>
public sealed class CheckpointTokenizer
{
    public const string TokenizerJsonFile = TokenizerSource.TokenizerJson;

    /// <summary>The longest added token accepted (real ones are at most a few dozen characters).</summary>
    public const int MaxAddedTokenLength = 1024;
    public const string SentencePieceModelFile = TokenizerSource.TokenizerModel;

    private readonly HfTokenizerEngine _engine;
    private readonly PostProcessor _postProcessor;
    private readonly IReadOnlyDictionary<int, string> _idToToken;
    private readonly HashSet<int> _specialIds;
    private readonly bool _stripLeadingSpace;

    private CheckpointTokenizer(
        HfTokenizerEngine engine, PostProcessor postProcessor, TokenizerKind kind, string filePath, IReadOnlyDictionary<int, string> idToToken,
        IReadOnlyDictionary<string, int> tokenToId, HashSet<int> specialIds, SpecialTokenIds special, bool stripLeadingSpace)
    {
        _engine = engine;
        _postProcessor = postProcessor;
        Kind = kind;
        FilePath = filePath;
        _idToToken = idToToken;
        TokenToId = tokenToId;
        _specialIds = specialIds;
        SpecialTokens = special;
        _stripLeadingSpace = stripLeadingSpace;
        foreach (var id in new[] { special.BosId, special.PadId }.OfType<int>().Concat(special.EosIds))
        {
            _specialIds.Add(id);
        }
    }

    public TokenizerKind Kind { get; }

    /// <summary>The tokenizer file that was loaded.</summary>
    public string FilePath { get; }

    /// <summary>BOS, stop tokens, pad, and whether <see cref="Encode(string)"/> starts with BOS.</summary>
    public SpecialTokenIds SpecialTokens { get; }

    /// <summary>Every token string with its id, added tokens included.</summary>
    public IReadOnlyDictionary<string, int> TokenToId { get; }

    /// <summary>One more than the largest id: the smallest <c>vocab_size</c> a model needs for this tokenizer.</summary>
    public int VocabularySize => _idToToken.Count == 0 ? 0 : _idToToken.Keys.Max() + 1;

    /// <summary>Ids put before the text by <see cref="Encode(string)"/> (BOS, <c>[CLS]</c>, …).</summary>
    public IReadOnlyList<int> PrefixIds => _postProcessor.Prefix;

    /// <summary>Ids put after the text by <see cref="Encode(string)"/> (<c>[SEP]</c>, <c>&lt;/s&gt;</c>, …).</summary>
    public IReadOnlyList<int> SuffixIds => _postProcessor.Suffix;

    /// <summary>True when <paramref name="folder"/> holds a tokenizer file <see cref="Load"/> reads.</summary>
    public static bool Exists(string folder) => TokenizerSource.Exists(folder);

    /// <summary>
    /// Loads the tokenizer of a checkpoint folder: <c>tokenizer.json</c>; else <c>tokenizer.model</c> (SentencePiece, or
    /// tiktoken ranks) or <c>original/tokenizer.model</c>; else <c>vocab.json</c> + <c>merges.txt</c>; else <c>vocab.txt</c>.
    /// </summary>
    /// <exception cref="TokenizerException">No tokenizer file, an unsupported model type, malformed JSON, a truncated model.</exception>
    public static CheckpointTokenizer Load(string folder, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        cancellationToken.ThrowIfCancellationRequested();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (json, path, modelDefaults, original) = TokenizerSource.Read(folder, logger, cancellationToken);
        var readMs = clock.ElapsedMilliseconds;
        cancellationToken.ThrowIfCancellationRequested();
        var (idToToken, tokenToId, specialIds) = ReadVocabulary(json, path);
        var kind = KindOf(json, path);
        var postProcessor = PostProcessor.Read(json["post_processor"], t => tokenToId.TryGetValue(t, out var id) ? id : null, path);
        var vocabularyMs = clock.ElapsedMilliseconds - readMs;
        var engine = HfTokenizerEngine.Create(json, original, path);
        var engineMs = clock.ElapsedMilliseconds - readMs - vocabularyMs;
        cancellationToken.ThrowIfCancellationRequested();
        var special = SpecialTokenConfigReader.Read(
            folder, t => tokenToId.TryGetValue(t, out var id) ? id : null, addBosFromTokenizerFile: null, addBosDefault: false, logger, cancellationToken);
        // No config names them: the model file's own (a SentencePiece model's bos_id/eos_id, Llama 3's tiktoken specials).
        if (special.BosId is null && modelDefaults?.BosId is int modelBos)
        {
            special = special with { BosId = modelBos };
        }

        if (special.EosIds.Count == 0 && modelDefaults is { EosIds.Count: > 0 })
        {
            special = special with { EosIds = modelDefaults.EosIds };
        }

        if (special.PadId is null && modelDefaults?.PadId is int modelPad)
        {
            special = special with { PadId = modelPad };
        }

        if (special.BosId is null && postProcessor.Prefix.Count == 1 && idToToken.TryGetValue(postProcessor.Prefix[0], out var first) && first is "<s>" or "<bos>" or "<|begin_of_text|>")
        {
            special = special with { BosId = postProcessor.Prefix[0] };
        }

        // An explicit add_bos_token / add_eos_token in tokenizer_config.json wins over the file's template, as transformers'
        // update_post_processor makes it (Llama, Gemma and the other tokenizers with those flags).
        var config = SpecialTokenConfigReader.ReadObject(Path.Combine(folder, "tokenizer_config.json"));
        if (special.BosId is int bosId && Flag(config, "add_bos_token") is bool addBos)
        {
            postProcessor = postProcessor.With(bosId, addBos, atEnd: false);
        }

        if (special.EosId is int eosId && Flag(config, "add_eos_token") is bool addEos)
        {
            postProcessor = postProcessor.With(eosId, addEos, atEnd: true);
        }

        special = special with { AddBos = special.BosId is int bos && postProcessor.Prefix.Contains(bos) };
        logger?.LogInformation(
            "Loaded {Kind} tokenizer from {File}: {Count} tokens, adds [{Prefix}] … [{Suffix}]; {ReadMs} ms to read or convert, {VocabularyMs} ms for the vocabulary, {EngineMs} ms in Hugging Face tokenizers",
            kind, path, tokenToId.Count, string.Join(",", postProcessor.Prefix), string.Join(",", postProcessor.Suffix), readMs, vocabularyMs, engineMs);
        return new CheckpointTokenizer(engine, postProcessor, kind, path, idToToken, tokenToId, specialIds, special, StripsLeadingSpaceOf(json));
    }

    /// <summary>Text to ids, with the special tokens the tokenizer adds (Hugging Face's <c>add_special_tokens=True</c>).</summary>
    public int[] Encode(string text) => Encode(text, addSpecialTokens: true);

    /// <summary>Text to ids; <paramref name="addSpecialTokens"/> false gives the ids of the text alone.</summary>
    public int[] Encode(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = _engine.Encode(text);
        return addSpecialTokens ? _postProcessor.Apply(ids) : ids;
    }

    /// <summary>Ids to text. Special tokens (BOS, EOS, pad, added special tokens) are left out unless asked for.</summary>
    public string Decode(IEnumerable<int> ids, bool includeSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = ids as IReadOnlyList<int> ?? ids.ToArray();
        foreach (var id in list)
        {
            if (!_idToToken.ContainsKey(id))
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id {id} is not in the vocabulary of {Path.GetFileName(FilePath)}");
            }
        }

        if (!includeSpecialTokens)
        {
            return _engine.Decode(list.Where(id => !_specialIds.Contains(id)).ToArray());
        }

        var text = new StringBuilder();
        var run = new List<int>();
        foreach (var id in list)
        {
            if (_specialIds.Contains(id))
            {
                text.Append(_engine.Decode(run)).Append(_idToToken[id]);
                run.Clear();
            }
            else
            {
                run.Add(id);
            }
        }

        return text.Append(_engine.Decode(run)).ToString();
    }

    /// <summary>A decoder for streaming: feed generated ids one at a time, get the new text.</summary>
    public TokenStreamDecoder CreateStreamDecoder(bool includeSpecialTokens = false) => new(this, includeSpecialTokens);

    /// <summary>The token string of an id (the byte-level, SentencePiece or WordPiece form), or null.</summary>
    public string? IdToToken(int id) => _idToToken.TryGetValue(id, out var token) ? token : null;

    /// <summary>True when <paramref name="id"/> is a special token (added as special, or BOS, EOS, pad).</summary>
    public bool IsSpecial(int id) => _specialIds.Contains(id);

    internal bool StripsLeadingSpace => _stripLeadingSpace;

    /// <summary>Appends the UTF-8 bytes a token stands for (for streaming).</summary>
    internal void AppendBytes(int id, List<byte> into, bool includeSpecialTokens, bool atStart = false)
    {
        if (!_idToToken.TryGetValue(id, out var token))
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is not in the vocabulary of {Path.GetFileName(FilePath)}");
        }

        if (_specialIds.Contains(id))
        {
            if (includeSpecialTokens)
            {
                into.AddRange(Encoding.UTF8.GetBytes(token));
            }

            return;
        }

        switch (Kind)
        {
            case TokenizerKind.ByteLevelBpe:
                if (!ByteLevelAlphabet.TryDecode(token, into))
                {
                    into.AddRange(Encoding.UTF8.GetBytes(token));
                }

                return;
            case TokenizerKind.WordPiece:
                into.AddRange(Encoding.UTF8.GetBytes(token.StartsWith("##", StringComparison.Ordinal) ? token[2..] : atStart ? token : " " + token));
                return;
        }

        if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
        {
            into.Add(b);
            return;
        }

        into.AddRange(Encoding.UTF8.GetBytes(token.Replace('\u2581', ' ')));
    }

    private static (Dictionary<int, string> IdToToken, Dictionary<string, int> TokenToId, HashSet<int> SpecialIds) ReadVocabulary(JsonObject json, string path)
    {
        var idToToken = new Dictionary<int, string>();
        var tokenToId = new Dictionary<string, int>(StringComparer.Ordinal);
        var special = new HashSet<int>();
        if (json["model"] is not JsonObject model)
        {
            throw new TokenizerException(path, "has no 'model' object");
        }

        var type = model["type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : InferModelType(model);
        switch (type, model["vocab"])
        {
            case ("BPE" or "WordPiece" or "WordLevel", JsonObject vocab):
                foreach (var (token, node) in vocab)
                {
                    var id = node is JsonValue v && v.TryGetValue<int>(out var i) && i >= 0
                        ? i
                        : throw new TokenizerException(path, $"malformed vocab: the id of '{token}' is not a non-negative integer");
                    idToToken[id] = token;
                    tokenToId[token] = id;
                }

                break;
            case ("Unigram", JsonArray pieces):
                for (var id = 0; id < pieces.Count; id++)
                {
                    var token = pieces[id] is JsonArray { Count: 2 } pair && pair[0] is JsonValue p && p.TryGetValue<string>(out var piece)
                        ? piece
                        : throw new TokenizerException(path, $"malformed vocab: Unigram entry {id} is not [piece, score]");
                    idToToken[id] = token;
                    tokenToId.TryAdd(token, id);
                }

                break;
            case ("BPE" or "WordPiece" or "WordLevel" or "Unigram", _):
                throw new TokenizerException(path, $"malformed vocab: model.vocab of a {type} model is missing or of the wrong shape");
            default:
                throw new TokenizerException(path, $"unsupported model type '{type}' (supported: BPE, WordPiece, Unigram, WordLevel)");
        }

        // Hugging Face tokenizers does not take an added token's id from the file: it adds the tokens in order, a token of the
        // vocabulary keeping its id and any other taking the next id after the vocabulary (and after the added tokens
        // before it), and only logs a warning when the file said otherwise. A file whose ids differ would make the
        // library emit ids this vocabulary does not have: refused.
        var modelVocabulary = new Dictionary<string, int>(tokenToId, StringComparer.Ordinal);
        var modelSize = json["model"]?["vocab"] is JsonArray unigram ? unigram.Count : ((JsonObject)json["model"]!["vocab"]!).Count;
        var assigned = new Dictionary<string, int>(StringComparer.Ordinal);
        int? largestAdded = null;
        foreach (var node in json["added_tokens"] as JsonArray ?? [])
        {
            if (node is not JsonObject added || added["id"] is not JsonValue idNode || !idNode.TryGetValue<int>(out var id)
                || added["content"] is not JsonValue contentNode || !contentNode.TryGetValue<string>(out var content))
            {
                throw new TokenizerException(path, $"malformed added_tokens entry: {node?.ToJsonString() ?? "null"}");
            }

            if (content.Length > MaxAddedTokenLength)
            {
                // Found by fuzzing: a 94,512-character added token kept the load running for minutes.
                throw new TokenizerException(path, $"added_tokens: a token of {content.Length} characters (at most {MaxAddedTokenLength}): '{Shorten(content)}'");
            }

            var given = assigned.TryGetValue(content, out var again) ? again
                : modelVocabulary.TryGetValue(content, out var inVocabulary) ? inVocabulary
                : largestAdded is int largest && (largest >= modelSize || modelSize == 0) ? largest + 1
                : modelSize;
            if (given != id)
            {
                throw new TokenizerException(
                    path, $"added_tokens: '{Shorten(content)}' has id {id}, but Hugging Face tokenizers gives it id {given} (a token of the vocabulary keeps its id; the others take the ids after the vocabulary, in order)");
            }

            assigned[content] = given;
            largestAdded = Math.Max(largestAdded ?? given, given);

            idToToken[id] = content;
            tokenToId[content] = id;
            if (added["special"] is not JsonValue flag || !flag.TryGetValue<bool>(out var isSpecial) || isSpecial)
            {
                special.Add(id);
            }
        }

        return (idToToken, tokenToId, special);
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private static bool? Flag(JsonObject? config, string name) => config?[name] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    private static string? InferModelType(JsonObject model) =>
        model["merges"] is not null ? "BPE" : model["continuing_subword_prefix"] is not null ? "WordPiece" : model["vocab"] is JsonArray ? "Unigram" : null;

    private static TokenizerKind KindOf(JsonObject json, string path)
    {
        var modelType = json["model"]?["type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : InferModelType((JsonObject)json["model"]!);
        if (modelType == "WordPiece")
        {
            return TokenizerKind.WordPiece;
        }

        return Steps(json["decoder"], "decoders").Any(d => Type(d) == "ByteLevel") || Steps(json["pre_tokenizer"], "pretokenizers").Any(d => Type(d) == "ByteLevel")
            ? TokenizerKind.ByteLevelBpe
            : modelType is null ? throw new TokenizerException(path, "model has no type") : TokenizerKind.SentencePiece;
    }

    private static bool StripsLeadingSpaceOf(JsonObject json) =>
        Steps(json["decoder"], "decoders").Any(d => Type(d) switch
        {
            "Strip" => d["start"] is JsonValue v && v.TryGetValue<int>(out var n) && n > 0,
            "Metaspace" => d["prepend_scheme"] is JsonValue p
                ? !(p.TryGetValue<string>(out var scheme) && scheme == "never")
                : d["add_prefix_space"] is not JsonValue a || !a.TryGetValue<bool>(out var add) || add,
            _ => false,
        });

    private static IEnumerable<JsonObject> Steps(JsonNode? node, string listName)
    {
        if (node is not JsonObject o)
        {
            yield break;
        }

        if (o[listName] is JsonArray list)
        {
            foreach (var inner in list)
            {
                foreach (var step in Steps(inner, listName))
                {
                    yield return step;
                }
            }
        }
        else
        {
            yield return o;
        }
    }

    private static string? Type(JsonObject step) => step["type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null;
}
