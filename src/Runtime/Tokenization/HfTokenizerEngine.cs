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

    /// <summary>Loads <paramref name="definition"/>; <paramref name="sourcePath"/> names the file in errors.</summary>
    public static HfTokenizerEngine Create(JsonObject definition, string sourcePath)
    {
        var copy = (JsonObject)definition.DeepClone();
        copy["padding"] = null;
        copy["truncation"] = null;
        copy["post_processor"] = null;
        foreach (var added in copy["added_tokens"] as JsonArray ?? [])
        {
            // Hugging Face writes every flag; files written by other tools sometimes leave the defaults out.
            if (added is JsonObject token)
            {
                var special = token["special"] is JsonValue v && v.TryGetValue<bool>(out var flag) && flag;
                token["special"] ??= special;
                token["single_word"] ??= false;
                token["lstrip"] ??= false;
                token["rstrip"] ??= false;
                token["normalized"] ??= !special;
            }
        }

        var temp = Path.Combine(Path.GetTempPath(), $"precision-tokenizer-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(temp, copy.ToJsonString());
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
}
