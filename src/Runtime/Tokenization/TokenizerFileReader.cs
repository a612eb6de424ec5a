using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// Reads the files of a tokenizer with limits and strict JSON: a size bound checked before reading, valid UTF-8, no
/// duplicate key (named with its place), nesting of at most <see cref="MaxDepth"/>, and numbers a double can hold. The last two matter beyond this process's own reading: Hugging Face's Rust library, which is given
/// the same text, aborts the whole process (a Rust panic across the native boundary) on some numbers it cannot hold.
/// </summary>
internal static class TokenizerFileReader
{
    /// <summary>The largest tokenizer.json read (the largest real ones, Gemma's, are about 35 MB).</summary>
    public const long MaxJsonBytes = 512L << 20;

    /// <summary>The largest tokenizer.model, vocab or merges file read (real ones are at most a few MB).</summary>
    public const long MaxModelBytes = 256L << 20;

    /// <summary>The largest small JSON file read (tokenizer_config.json, special_tokens_map.json, generation_config.json).</summary>
    public const long MaxConfigBytes = 64L << 20;

    /// <summary>The deepest nesting accepted: real tokenizer files nest a few levels; Rust's serde_json stops at 128.</summary>
    public const int MaxDepth = 64;

    /// <summary>The bytes of <paramref name="path"/>, refused with a <see cref="TokenizerException"/> above <paramref name="limit"/>.</summary>
    public static byte[] ReadBytes(string path, long limit)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            var length = stream.CanSeek ? stream.Length : -1;
            if (length > limit)
            {
                throw new TokenizerException(path, $"is {length} bytes, more than the {limit}-byte limit for this file");
            }

            // Read at most limit + 1 bytes, whatever the length said: a file that grows, or one that reports no length.
            var buffer = new MemoryStream(length > 0 ? (int)length : 4096);
            var chunk = new byte[81920];
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit)
                {
                    throw new TokenizerException(path, $"is more than the {limit}-byte limit for this file");
                }
            }

            return buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenizerException(path, $"could not be read: {e.Message}", e);
        }
    }

    /// <summary>The text of <paramref name="path"/> as UTF-8 (a leading BOM dropped), refused when it is not valid UTF-8.</summary>
    public static string ReadText(string path, long limit) => Text(path, ReadBytes(path, limit));

    /// <summary>A JSON object from <paramref name="utf8"/>, checked strictly (see the class); errors name <paramref name="path"/>.</summary>
    public static JsonObject ParseObject(string path, byte[] utf8)
    {
        var json = utf8.AsSpan().StartsWith("\uFEFF"u8) ? utf8.AsSpan(3) : utf8;
        if (!Utf8.IsValid(json))
        {
            throw new TokenizerException(path, $"is not valid UTF-8 (at byte {InvalidAt(json)})");
        }

        Check(path, json);
        try
        {
            return JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth, AllowDuplicateProperties = false }) as JsonObject
                ?? throw new TokenizerException(path, "expected a JSON object at the top level");
        }
        catch (JsonException ex)
        {
            throw new TokenizerException(path, $"malformed JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Reads and parses a JSON object file with <see cref="MaxConfigBytes"/>; null when the file does not exist.</summary>
    public static JsonObject? ReadObject(string path) => File.Exists(path) ? ParseObject(path, ReadBytes(path, MaxConfigBytes)) : null;

    private static string Text(string path, byte[] bytes)
    {
        var text = bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes.AsSpan(3) : bytes;
        if (!Utf8.IsValid(text))
        {
            throw new TokenizerException(path, $"is not valid UTF-8 (at byte {InvalidAt(text)})");
        }

        return Encoding.UTF8.GetString(text);
    }

    private static long InvalidAt(ReadOnlySpan<byte> bytes)
    {
        var valid = 0;
        while (valid < bytes.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(bytes[valid..], out _, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                return valid;
            }

            valid += consumed;
        }

        return valid;
    }

    /// <summary>One pass over the tokens: duplicate keys and numbers out of range, each named with its JSON path.</summary>
    private static void Check(string path, ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        // One frame per open object (its keys and the current one) or array (no keys).
        var frames = new List<(HashSet<string>? Keys, string? Key)>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        frames.Add((new HashSet<string>(StringComparer.Ordinal), null));
                        break;
                    case JsonTokenType.StartArray:
                        frames.Add((null, null));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        var keys = frames[^1].Keys!;
                        if (!keys.Add(name))
                        {
                            throw new TokenizerException(path, $"duplicate key '{name}' in {Where(frames, enclosing: true)}");
                        }

                        frames[^1] = (keys, name);
                        break;
                    case JsonTokenType.Number when !FitsNumber(ref reader):
                        throw new TokenizerException(
                            path, $"the number {Encoding.UTF8.GetString(reader.ValueSpan)} at {Where(frames, enclosing: false)} is out of range (larger than a double can hold)");
                }
            }
        }
        catch (JsonException ex)
        {
            throw new TokenizerException(path, $"malformed JSON: {ex.Message}", ex);
        }
    }

    private static bool FitsNumber(ref Utf8JsonReader reader)
    {
        // serde_json reads an integer past 64 bits as a double (transformers writes model_max_length 1e30 so); past a
        // double's range it fails, and inside some of the library's untagged enums that failure is a panic.
        return reader.TryGetDouble(out var value) && double.IsFinite(value);
    }

    /// <summary>The keys leading to the current value ('model.vocab'); without the innermost when <paramref name="enclosing"/>.</summary>
    private static string Where(List<(HashSet<string>? Keys, string? Key)> frames, bool enclosing)
    {
        var keys = frames.Take(enclosing ? frames.Count - 1 : frames.Count).Where(f => f.Keys is not null && f.Key is not null).Select(f => f.Key!).ToList();
        return keys.Count == 0 ? "the top level" : "'" + string.Join(".", keys) + "'";
    }
}
