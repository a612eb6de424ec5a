using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// Writes a small byte-level BPE tokenizer for demo models, in the Hugging Face <c>tokenizer.json</c> format:
/// the 256 byte tokens (ids 0–255, in byte order), merges learned from a fixed English text, and the special
/// tokens <c>&lt;bos&gt;</c>, <c>&lt;eos&gt;</c>, <c>&lt;pad&gt;</c> as the last three ids. Same input, same bytes.
/// </summary>
public static class TokenizerWriter
{
    public const string BosToken = "<bos>";
    public const string EosToken = "<eos>";
    public const string PadToken = "<pad>";

    /// <summary>The smallest vocabulary: 256 byte tokens and three special tokens, no merges.</summary>
    public const int MinimumVocabularySize = 256 + 3;

    /// <summary>
    /// Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c> into <paramref name="folder"/> for a model
    /// whose <c>vocab_size</c> is <paramref name="vocabularySize"/>; returns the ids of the special tokens.
    /// </summary>
    public static SpecialTokenIds Write(string folder, int vocabularySize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var merges = LearnMerges(vocabularySize);
        cancellationToken.ThrowIfCancellationRequested();
        Directory.CreateDirectory(folder);

        var vocab = new List<(string Token, int Id)>(vocabularySize);
        for (var b = 0; b < 256; b++)
        {
            vocab.Add((ByteLevelAlphabet.ToChar((byte)b).ToString(), b));
        }

        var known = new HashSet<string>(vocab.Select(v => v.Token), StringComparer.Ordinal);
        foreach (var (left, right) in merges)
        {
            if (known.Add(left + right))
            {
                vocab.Add((left + right, vocab.Count));
            }
        }

        var bos = vocab.Count;
        var eos = bos + 1;
        var pad = bos + 2;
        var special = new[] { (BosToken, bos), (EosToken, eos), (PadToken, pad) };

        File.WriteAllBytes(Path.Combine(folder, CheckpointTokenizer.TokenizerJsonFile), TokenizerJson(vocab, merges, special));
        File.WriteAllBytes(Path.Combine(folder, "tokenizer_config.json"), TokenizerConfigJson(special));
        return new SpecialTokenIds(bos, [eos], pad, AddBos: true);
    }

    private static IReadOnlyList<(string Left, string Right)> LearnMerges(int vocabularySize)
    {
        if (vocabularySize < MinimumVocabularySize)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize,
                $"a byte-level BPE vocabulary needs at least {MinimumVocabularySize} tokens (256 bytes and 3 special tokens)");
        }

        var wanted = vocabularySize - MinimumVocabularySize;
        var merges = BpeTrainer.Learn(TrainingText.English, wanted);
        var made = merges.Select(m => m.Left + m.Right).Distinct(StringComparer.Ordinal).Count();
        if (made < wanted)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize,
                $"the built-in training text yields only {made} merged tokens; the largest vocabulary is {MinimumVocabularySize + made}");
        }

        return merges;
    }

    private static JsonWriterOptions WriterOptions => new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static byte[] TokenizerJson(
        List<(string Token, int Id)> vocab, IReadOnlyList<(string Left, string Right)> merges, (string Token, int Id)[] special)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            w.WriteStartArray("added_tokens");
            foreach (var (token, id) in special)
            {
                w.WriteStartObject();
                w.WriteNumber("id", id);
                w.WriteString("content", token);
                w.WriteBoolean("single_word", false);
                w.WriteBoolean("lstrip", false);
                w.WriteBoolean("rstrip", false);
                w.WriteBoolean("normalized", false);
                w.WriteBoolean("special", true);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteNull("normalizer");
            WriteByteLevel(w, "pre_tokenizer", addPrefixSpace: false);
            WriteTemplate(w, special[0]);
            WriteByteLevel(w, "decoder", addPrefixSpace: true);

            w.WriteStartObject("model");
            w.WriteString("type", "BPE");
            w.WriteNull("dropout");
            w.WriteNull("unk_token");
            w.WriteNull("continuing_subword_prefix");
            w.WriteNull("end_of_word_suffix");
            w.WriteBoolean("fuse_unk", false);
            w.WriteBoolean("byte_fallback", false);
            w.WriteBoolean("ignore_merges", false);
            w.WriteStartObject("vocab");
            foreach (var (token, id) in vocab)
            {
                w.WriteNumber(token, id);
            }

            w.WriteEndObject();
            w.WriteStartArray("merges");
            foreach (var (left, right) in merges)
            {
                w.WriteStringValue(left + " " + right);
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string name, bool addPrefixSpace)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", addPrefixSpace);
        w.WriteBoolean("trim_offsets", true);
        w.WriteBoolean("use_regex", true);
        w.WriteEndObject();
    }

    /// <summary>A TemplateProcessing post-processor that puts BOS before each sequence (as Llama 3 does).</summary>
    private static void WriteTemplate(Utf8JsonWriter w, (string Token, int Id) bos)
    {
        w.WriteStartObject("post_processor");
        w.WriteString("type", "TemplateProcessing");
        w.WriteStartArray("single");
        WriteSpecialPiece(w, bos.Token, typeId: 0);
        WriteSequencePiece(w, "A", typeId: 0);
        w.WriteEndArray();
        w.WriteStartArray("pair");
        WriteSpecialPiece(w, bos.Token);
        WriteSequencePiece(w, "A");
        WriteSpecialPiece(w, bos.Token, typeId: 1);
        WriteSequencePiece(w, "B", typeId: 1);
        w.WriteEndArray();
        w.WriteStartObject("special_tokens");
        w.WriteStartObject(bos.Token);
        w.WriteString("id", bos.Token);
        w.WriteStartArray("ids");
        w.WriteNumberValue(bos.Id);
        w.WriteEndArray();
        w.WriteStartArray("tokens");
        w.WriteStringValue(bos.Token);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteSpecialPiece(Utf8JsonWriter w, string token, int typeId = 0)
    {
        w.WriteStartObject();
        w.WriteStartObject("SpecialToken");
        w.WriteString("id", token);
        w.WriteNumber("type_id", typeId);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteSequencePiece(Utf8JsonWriter w, string sequence, int typeId = 0)
    {
        w.WriteStartObject();
        w.WriteStartObject("Sequence");
        w.WriteString("id", sequence);
        w.WriteNumber("type_id", typeId);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static byte[] TokenizerConfigJson((string Token, int Id)[] special)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteBoolean("add_bos_token", true);
            w.WriteBoolean("add_eos_token", false);
            w.WriteString("bos_token", special[0].Token);
            w.WriteString("eos_token", special[1].Token);
            w.WriteString("pad_token", special[2].Token);
            w.WriteNull("unk_token");
            w.WriteNumber("model_max_length", 2048);
            w.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
            w.WriteStartObject("added_tokens_decoder");
            foreach (var (token, id) in special)
            {
                w.WriteStartObject(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.WriteString("content", token);
                w.WriteBoolean("lstrip", false);
                w.WriteBoolean("normalized", false);
                w.WriteBoolean("rstrip", false);
                w.WriteBoolean("single_word", false);
                w.WriteBoolean("special", true);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }
}
