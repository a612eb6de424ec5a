using Microsoft.Extensions.Logging;
using PrecisionAnalyzers.Runtime.Encoders;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// A RoBERTa-style encoder's tokenizer: the folder's BPE <c>tokenizer.json</c>, or <c>vocab.json</c> + <c>merges.txt</c>
/// (through <see cref="CheckpointTokenizer"/>), with the text framed as <c>&lt;s&gt; … &lt;/s&gt;</c>. The special tokens come
/// from <c>tokenizer_config.json</c> (<c>bos_token</c>, <c>eos_token</c>, <c>pad_token</c>), else RoBERTa's <c>&lt;s&gt;</c>,
/// <c>&lt;/s&gt;</c>, <c>&lt;pad&gt;</c>.
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

    public static bool CanLoad(string folder) =>
        File.Exists(Path.Combine(folder, CheckpointTokenizer.TokenizerJsonFile))
        || (File.Exists(Path.Combine(folder, TokenizerSource.VocabJson)) && File.Exists(Path.Combine(folder, TokenizerSource.MergesTxt)));

    public static BpeEncoderTokenizer Load(string folder, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var tokenizer = CheckpointTokenizer.Load(folder, logger, cancellationToken);
        var configPath = Path.Combine(folder, "tokenizer_config.json");
        var config = SpecialTokenConfigReader.ReadObject(configPath);

        int Special(string key, string fallback)
        {
            var text = config?[key] switch
            {
                System.Text.Json.Nodes.JsonValue v when v.TryGetValue<string>(out var s) => s,
                System.Text.Json.Nodes.JsonObject o when o["content"] is System.Text.Json.Nodes.JsonValue c && c.TryGetValue<string>(out var s) => s,
                _ => null,
            };
            return tokenizer.TokenToId.TryGetValue(text ?? fallback, out var id)
                ? id
                : throw new TokenizerException(tokenizer.FilePath, $"has no token '{text ?? fallback}' for {key}");
        }

        return new BpeEncoderTokenizer(tokenizer, Special("bos_token", "<s>"), Special("eos_token", "</s>"), Special("pad_token", "<pad>"));
    }

    public int[] Encode(string text, int maxTokens, out bool truncated)
    {
        ArgumentNullException.ThrowIfNull(text);
        return EncoderFraming.Frame(_tokenizer.Encode(text, addSpecialTokens: false), [_begin], [_end], maxTokens, out truncated);
    }
}
