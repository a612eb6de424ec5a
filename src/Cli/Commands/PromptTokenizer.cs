using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>Turns prompt text into token ids and generated ids back into text, for <c>run</c>, streaming whole characters only.</summary>
internal sealed class PromptTokenizer
{
    private readonly CheckpointTokenizer _tokenizer;
    private TokenStreamDecoder _stream;

    private PromptTokenizer(CheckpointTokenizer tokenizer)
    {
        _tokenizer = tokenizer;
        _stream = tokenizer.CreateStreamDecoder();
    }

    public IReadOnlyCollection<int> StopTokenIds => _tokenizer.SpecialTokens.EosIds;

    /// <summary>The checkpoint tokenizer (for the chat template's formatter).</summary>
    public CheckpointTokenizer Inner => _tokenizer;

    /// <summary>Whether the folder holds a tokenizer the runtime reads: tokenizer.json, tokenizer.model (or original/), vocab.txt, vocab.json + merges.txt.</summary>
    public static bool Exists(string folder) => CheckpointTokenizer.Exists(folder);

    /// <summary>The tokenizer of the model in <paramref name="folder"/>; bad input when there is none the runtime reads.</summary>
    public static PromptTokenizer Load(string folder)
    {
        if (!Exists(folder))
        {
            throw new BadInputException($"{folder} has no tokenizer (tokenizer.json, tokenizer.model, original/tokenizer.model, vocab.txt, or vocab.json with merges.txt): give the prompt as --prompt-tokens 1,2,3.");
        }

        try
        {
            return new PromptTokenizer(CheckpointTokenizer.Load(folder));
        }
        catch (TokenizerException e)
        {
            throw new BadInputException(e.Message + " Give the prompt as --prompt-tokens 1,2,3 instead.", e);
        }
    }

    public int[] Encode(string text) => _tokenizer.Encode(text);

    public string Decode(IReadOnlyList<int> ids) => _tokenizer.Decode(ids);

    /// <summary>
    /// The text one more streamed token adds: complete characters only (a byte-level token may end mid-character). Bytes that
    /// form no valid UTF-8 (as a random-weight model emits) show as ⟨id⟩ rather than as replacement characters.
    /// </summary>
    public string DecodeNext(int id) => _stream.Add(id).Replace("\uFFFD", $"⟨{id}⟩", StringComparison.Ordinal);

    /// <summary>What a stream still holds back at its end (an incomplete character).</summary>
    public string Flush() => _stream.Flush().Replace("\uFFFD", "⟨…⟩", StringComparison.Ordinal);

    /// <summary>Starts a new stream (after an overflow fallback the answer is generated again).</summary>
    public void Restart() => _stream = _tokenizer.CreateStreamDecoder();
}
