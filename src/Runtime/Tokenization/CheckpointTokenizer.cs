using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.ML.Tokenizers;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>The kind of tokenizer file a checkpoint carries.</summary>
public enum TokenizerKind
{
    /// <summary><c>tokenizer.json</c> with a byte-level BPE model (GPT-2, Llama 3, Qwen2).</summary>
    ByteLevelBpe,

    /// <summary>SentencePiece <c>tokenizer.model</c> (Llama 2, Gemma).</summary>
    SentencePiece,
}

/// <summary>
/// The tokenizer of a checkpoint folder, on Microsoft.ML.Tokenizers: encodes text to ids (with BOS when the
/// checkpoint asks for it), decodes ids to text, and knows the stop tokens for generation.
/// </summary>
public sealed class CheckpointTokenizer
{
    public const string TokenizerJsonFile = "tokenizer.json";
    public const string SentencePieceModelFile = "tokenizer.model";

    private readonly Tokenizer _tokenizer;
    private readonly IReadOnlyDictionary<int, string> _idToToken;
    private readonly HashSet<int> _specialIds;
    private readonly bool _stripLeadingSpace;
    private readonly bool _normalizeToNfc;

    private CheckpointTokenizer(
        Tokenizer tokenizer, TokenizerKind kind, string filePath, IReadOnlyDictionary<int, string> idToToken,
        IReadOnlyDictionary<string, int> tokenToId, HashSet<int> specialIds, SpecialTokenIds special, bool stripLeadingSpace,
        bool normalizeToNfc = false)
    {
        _normalizeToNfc = normalizeToNfc;
        _tokenizer = tokenizer;
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

    /// <summary>BOS, stop tokens, pad, and whether <see cref="Encode"/> adds BOS.</summary>
    public SpecialTokenIds SpecialTokens { get; }

    /// <summary>Every token string with its id, added tokens included.</summary>
    public IReadOnlyDictionary<string, int> TokenToId { get; }

    /// <summary>One more than the largest id: the smallest <c>vocab_size</c> a model needs for this tokenizer.</summary>
    public int VocabularySize => _idToToken.Count == 0 ? 0 : _idToToken.Keys.Max() + 1;

    /// <summary>The underlying Microsoft.ML.Tokenizers tokenizer.</summary>
    public Tokenizer Inner => _tokenizer;

    /// <summary>
    /// Loads the tokenizer of a checkpoint folder: <c>tokenizer.json</c> when it holds byte-level BPE, otherwise
    /// <c>tokenizer.model</c> (Llama 2, Mistral and Gemma ship both; their tokenizer.json is SentencePiece-style BPE).
    /// </summary>
    /// <exception cref="TokenizerException">No tokenizer file, an unsupported model type, or malformed JSON.</exception>
    public static CheckpointTokenizer Load(string folder, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        cancellationToken.ThrowIfCancellationRequested();
        var json = Path.Combine(folder, TokenizerJsonFile);
        var model = Path.Combine(folder, SentencePieceModelFile);
        if (File.Exists(json))
        {
            if (File.Exists(model) && !TokenizerJsonReader.IsByteLevelBpe(json))
            {
                logger?.LogInformation("{Json} is not byte-level BPE; using {Model} instead", TokenizerJsonFile, SentencePieceModelFile);
                return LoadSentencePiece(folder, model, logger, cancellationToken);
            }

            return LoadTokenizerJson(folder, json, logger, cancellationToken);
        }

        if (File.Exists(model))
        {
            return LoadSentencePiece(folder, model, logger, cancellationToken);
        }

        throw new TokenizerException(json, $"no tokenizer in the checkpoint folder: neither {TokenizerJsonFile} nor {SentencePieceModelFile} exists");
    }

    /// <summary>Text to ids, with BOS first when <see cref="SpecialTokenIds.AddBos"/> is set.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_normalizeToNfc)
        {
            text = text.Normalize(NormalizationForm.FormC);
        }

        var ids = _tokenizer.EncodeToIds(text, considerPreTokenization: true, considerNormalization: true);
        if (SpecialTokens is { AddBos: true, BosId: int bos })
        {
            var result = new int[ids.Count + 1];
            result[0] = bos;
            for (var i = 0; i < ids.Count; i++)
            {
                result[i + 1] = ids[i];
            }

            return result;
        }

        return ids.ToArray();
    }

    /// <summary>Ids to text. Special tokens (BOS, EOS, pad, added special tokens) are left out unless asked for.</summary>
    public string Decode(IEnumerable<int> ids, bool includeSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            AppendBytes(id, bytes, includeSpecialTokens);
        }

        var text = Encoding.UTF8.GetString(bytes.ToArray());
        return _stripLeadingSpace && text.StartsWith(' ') ? text[1..] : text;
    }

    /// <summary>A decoder for streaming: feed generated ids one at a time, get the new text.</summary>
    public TokenStreamDecoder CreateStreamDecoder(bool includeSpecialTokens = false) => new(this, includeSpecialTokens);

    /// <summary>The token string of an id (the byte-level or SentencePiece form), or null.</summary>
    public string? IdToToken(int id) => _idToToken.TryGetValue(id, out var token) ? token : null;

    internal bool StripsLeadingSpace => _stripLeadingSpace;

    /// <summary>Appends the UTF-8 bytes a token stands for.</summary>
    internal void AppendBytes(int id, List<byte> into, bool includeSpecialTokens)
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

        if (Kind == TokenizerKind.ByteLevelBpe)
        {
            if (!ByteLevelAlphabet.TryDecode(token, into))
            {
                into.AddRange(Encoding.UTF8.GetBytes(token));
            }

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

    private static CheckpointTokenizer LoadTokenizerJson(string folder, string path, ILogger? logger, CancellationToken cancellationToken)
    {
        var read = TokenizerJsonReader.Read(path);
        cancellationToken.ThrowIfCancellationRequested();
        var tokenToId = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (id, token) in read.IdToToken)
        {
            tokenToId[token] = id;
        }

        var special = SpecialTokenConfigReader.Read(
            folder, t => tokenToId.TryGetValue(t, out var id) ? id : null, read.AddBos, addBosDefault: false, logger, cancellationToken);
        logger?.LogInformation("Loaded byte-level BPE tokenizer from {File}: {Count} tokens", path, tokenToId.Count);
        return new CheckpointTokenizer(
            read.Tokenizer, TokenizerKind.ByteLevelBpe, path, read.IdToToken, tokenToId,
            [.. read.SpecialAddedIds], special, stripLeadingSpace: false, normalizeToNfc: read.NormalizesToNfc);
    }

    private static CheckpointTokenizer LoadSentencePiece(string folder, string path, ILogger? logger, CancellationToken cancellationToken)
    {
        SentencePieceTokenizer tokenizer;
        try
        {
            using var stream = File.OpenRead(path);
            tokenizer = SentencePieceTokenizer.Create(stream, false, false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new TokenizerException(path, $"not a SentencePiece model Microsoft.ML.Tokenizers can read: {ex.Message}", ex);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var tokenToId = new Dictionary<string, int>(StringComparer.Ordinal);
        var idToToken = new Dictionary<int, string>();
        foreach (var (token, id) in tokenizer.Vocabulary)
        {
            tokenToId[token] = id;
            idToToken[id] = token;
        }

        var specialIds = new HashSet<int> { tokenizer.BeginningOfSentenceId, tokenizer.EndOfSentenceId, tokenizer.UnknownId };
        if (tokenizer.SpecialTokens is { } specials)
        {
            specialIds.UnionWith(specials.Values);
        }

        var special = SpecialTokenConfigReader.Read(
            folder, t => tokenToId.TryGetValue(t, out var id) ? id : null, addBosFromTokenizerFile: null, addBosDefault: true, logger, cancellationToken);
        // No config names them: the model's own ids (bos_id / eos_id in its trainer spec; -1 means none).
        var modelBos = tokenizer.BeginningOfSentenceId >= 0 ? tokenizer.BeginningOfSentenceId : (int?)null;
        if (special.BosId is null && modelBos is not null)
        {
            special = special with { BosId = modelBos, AddBos = AddBosFlagOrTrue(folder) };
        }

        if (special.EosIds.Count == 0 && tokenizer.EndOfSentenceId >= 0)
        {
            special = special with { EosIds = [tokenizer.EndOfSentenceId] };
        }

        logger?.LogInformation("Loaded SentencePiece tokenizer from {File}: {Count} pieces", path, tokenToId.Count);
        return new CheckpointTokenizer(
            tokenizer, TokenizerKind.SentencePiece, path, idToToken, tokenToId, specialIds, special,
            stripLeadingSpace: tokenizer.AddDummyPrefix);
    }

    private static bool AddBosFlagOrTrue(string folder)
    {
        var config = SpecialTokenConfigReader.ReadObject(Path.Combine(folder, "tokenizer_config.json"));
        return config?["add_bos_token"] is not System.Text.Json.Nodes.JsonValue v || !v.TryGetValue<bool>(out var flag) || flag;
    }
}
