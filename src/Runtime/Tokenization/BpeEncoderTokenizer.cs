using System.Text.Json;
using PrecisionAnalyzers.Runtime.Encoders;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// A RoBERTa-style encoder's tokenizer: the folder's BPE <c>tokenizer.json</c> (through <see cref="CheckpointTokenizer"/>), with
/// the text framed as <c>&lt;s&gt; … &lt;/s&gt;</c>. The special tokens come from <c>tokenizer_config.json</c> (<c>bos_token</c>,
/// <c>eos_token</c>, <c>pad_token</c>), else RoBERTa's <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;pad&gt;</c>.
/// </summary>
public sealed class BpeEncoderTokenizer : IEncoderTokenizer
{
    private readonly CheckpointTokenizer _tokenizer;
    private readonly int _begin;
    private readonly int _end;

    private BpeEncoderTokenizer(CheckpointTokenizer tokenizer, int begin, int end, int pad)
    {
        _tokenizer = tokenizer;
        _begin = begin;
        _end = end;
        PadTokenId = pad;
    }

    public int PadTokenId { get; }

    public static bool CanLoad(string folder) => File.Exists(Path.Combine(folder, CheckpointTokenizer.TokenizerJsonFile));

    public static BpeEncoderTokenizer Load(string folder)
    {
        var tokenizer = CheckpointTokenizer.Load(folder);
        var configPath = Path.Combine(folder, "tokenizer_config.json");
        JsonElement? config = null;
        if (File.Exists(configPath))
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(configPath));
            config = document.RootElement.Clone();
        }

        int Special(string key, string fallback)
        {
            var text = config is { } c && c.TryGetProperty(key, out var value)
                ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out var content) ? content.GetString() : null
                : null;
            return tokenizer.TokenToId.TryGetValue(text ?? fallback, out var id)
                ? id
                : throw new TokenizerException(tokenizer.FilePath, $"has no token '{text ?? fallback}' for {key}");
        }

        return new BpeEncoderTokenizer(tokenizer, Special("bos_token", "<s>"), Special("eos_token", "</s>"), Special("pad_token", "<pad>"));
    }

    public int[] Encode(string text, int maxTokens, out bool truncated)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 2);
        var ids = _tokenizer.Encode(text).AsSpan();
        if (_tokenizer.SpecialTokens.AddBos && ids.Length > 0 && ids[0] == _tokenizer.SpecialTokens.BosId)
        {
            ids = ids[1..]; // framed below, once
        }

        var body = Math.Min(ids.Length, maxTokens - 2);
        truncated = body < ids.Length;
        return [_begin, .. ids[..body], _end];
    }
}
