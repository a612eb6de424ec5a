using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NativeTokenizer = Tokenizers.DotNet.Tokenizer;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// Hugging Face's own <c>tokenizers</c> library (Rust, through Tokenizers.DotNet) running one tokenizer.json: the
/// normalizer, pre-tokenizer, model, added tokens and decoder exactly as Hugging Face runs them. The file it is given has
/// no padding, truncation or post-processor (those are applied by <see cref="PostProcessor"/>), so <see cref="Encode"/>
/// returns the ids of the text alone.
/// </summary>
internal sealed class HfTokenizerEngine
{
    private readonly NativeTokenizer _native;
    private readonly string _sourcePath;
    private readonly Lock _gate = new();

    private HfTokenizerEngine(NativeTokenizer native, string sourcePath)
    {
        _native = native;
        _sourcePath = sourcePath;
    }

    /// <summary>
    /// Loads <paramref name="definition"/>; <paramref name="original"/>, when given, is the file's own UTF-8 text, passed on
    /// with only the three fields rewritten (much faster than writing the whole tree again for a large vocabulary).
    /// <paramref name="sourcePath"/> names the file in errors.
    /// </summary>
    public static HfTokenizerEngine Create(JsonObject definition, byte[]? original, string sourcePath)
    {
        RegexPatternScreen.Check(definition, sourcePath);
        var fixAddedTokens = (definition["added_tokens"] as JsonArray ?? []).Any(a => a is JsonObject o
            && (o["special"] is null || o["single_word"] is null || o["lstrip"] is null || o["rstrip"] is null || o["normalized"] is null));
        byte[] bytes;
        if (original is not null && !fixAddedTokens)
        {
            bytes = WithoutTopLevel(original, "padding", "truncation", "post_processor");
        }
        else
        {
            var saved = (definition["padding"], definition["truncation"], definition["post_processor"], definition["added_tokens"]);
            foreach (var name in new[] { "padding", "truncation", "post_processor", "added_tokens" })
            {
                definition[name] = null;
            }

            try
            {
                definition["added_tokens"] = WithDefaults(saved.Item4 as JsonArray);
                bytes = JsonSerializer.SerializeToUtf8Bytes(definition);
            }
            finally
            {
                definition["added_tokens"] = null;
                (definition["padding"], definition["truncation"], definition["post_processor"], definition["added_tokens"]) = saved;
            }
        }

        var temp = Path.Combine(Path.GetTempPath(), $"precision-tokenizer-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllBytes(temp, bytes);
            return new HfTokenizerEngine(new NativeTokenizer(temp), sourcePath);
        }
        catch (Tokenizers.DotNet.TokenizerException ex)
        {
            throw new TokenizerException(sourcePath, $"Hugging Face tokenizers cannot load it: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new TokenizerException(
                sourcePath, $"the native Hugging Face tokenizers library (libhf_tokenizers, package Tokenizers.DotNet.runtime.*) could not be loaded: {ex.Message}", ex);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The ids of <paramref name="text"/>, without the special tokens a post-processor adds.</summary>
    public int[] Encode(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        text = WithoutLoneSurrogates(text);
        uint[] ids;
        lock (_gate)
        {
            try
            {
                ids = _native.Encode(text);
            }
            catch (Tokenizers.DotNet.TokenizerException ex)
            {
                throw new TokenizerException(_sourcePath, $"encoding failed: {ex.Message}", ex);
            }
        }

        var result = new int[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            result[i] = checked((int)ids[i]);
        }

        return result;
    }

    /// <summary>The text of <paramref name="ids"/> through the tokenizer's decoder, special tokens skipped.</summary>
    public string Decode(IReadOnlyList<int> ids)
    {
        if (ids.Count == 0)
        {
            return string.Empty;
        }

        var native = new uint[ids.Count];
        for (var i = 0; i < native.Length; i++)
        {
            native[i] = checked((uint)ids[i]);
        }

        lock (_gate)
        {
            try
            {
                return _native.Decode(native);
            }
            catch (Tokenizers.DotNet.TokenizerException ex)
            {
                throw new TokenizerException(_sourcePath, $"decoding failed: {ex.Message}", ex);
            }
        }
    }

    /// <summary>
    /// <paramref name="text"/> with every unpaired surrogate replaced by U+FFFD, as UTF-8 encoding does: Rust strings
    /// (and Python's) cannot hold one, and the binding refuses the whole text otherwise.
    /// </summary>
    internal static string WithoutLoneSurrogates(string text)
    {
        StringBuilder? fixedText = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var paired = char.IsHighSurrogate(c) ? i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) : !char.IsLowSurrogate(c);
            if (!paired)
            {
                fixedText ??= new StringBuilder(text, 0, i, text.Length);
                fixedText.Append('\uFFFD');
                continue;
            }

            if (char.IsHighSurrogate(c))
            {
                fixedText?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }

            fixedText?.Append(c);
        }

        return fixedText?.ToString() ?? text;
    }

    /// <summary>Added tokens with Hugging Face's defaults for the flags a file left out (other tools sometimes do).</summary>
    private static JsonArray? WithDefaults(JsonArray? added)
    {
        if (added is null)
        {
            return null;
        }

        var result = new JsonArray();
        foreach (var node in added)
        {
            var token = (JsonObject)node!.DeepClone();
            var special = token["special"] is JsonValue v && v.TryGetValue<bool>(out var flag) && flag;
            token["special"] ??= special;
            token["single_word"] ??= false;
            token["lstrip"] ??= false;
            token["rstrip"] ??= false;
            token["normalized"] ??= !special;
            result.Add(token);
        }

        return result;
    }

    private static bool IsOneOf(ref Utf8JsonReader reader, string[] names)
    {
        foreach (var name in names)
        {
            if (reader.ValueTextEquals(name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><paramref name="json"/> with the values of the named top-level properties replaced by null, the rest byte for byte.</summary>
    private static byte[] WithoutTopLevel(byte[] json, params string[] names)
    {
        var cuts = new List<(long Start, long End)>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && IsOneOf(ref reader, names))
            {
                reader.Read();
                var start = reader.TokenStartIndex;
                reader.Skip();
                cuts.Add((start, reader.BytesConsumed));
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= 1)
            {
                reader.Skip();
            }
        }

        var output = new MemoryStream(json.Length);
        long position = 0;
        foreach (var (start, end) in cuts)
        {
            output.Write(json, (int)position, (int)(start - position));
            output.Write("null"u8);
            position = end;
        }

        output.Write(json, (int)position, (int)(json.Length - position));
        return output.ToArray();
    }
}
