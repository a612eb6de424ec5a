using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>Turns prompt text into token ids and generated ids back into text, for <c>run</c>, streaming whole characters only.</summary>
internal sealed class PromptTokenizer
{
    private readonly CheckpointTokenizer _tokenizer;
    private readonly List<int> _streamed = [];
    private string _streamedText = "";

    private PromptTokenizer(CheckpointTokenizer tokenizer)
    {
        _tokenizer = tokenizer;
    }

    public IReadOnlyCollection<int> StopTokenIds => _tokenizer.StopTokenIds;

    /// <summary>The tokenizer of the model in <paramref name="folder"/>; bad input when there is none the runtime reads.</summary>
    public static PromptTokenizer Load(string folder)
    {
        if (!CheckpointTokenizer.Exists(folder))
        {
            throw new BadInputException($"{folder} has no tokenizer (tokenizer.json or tokenizer.model): give the prompt as --prompt-tokens 1,2,3.");
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

    /// <summary>The text one more streamed token adds: complete characters only (a byte-level token may end mid-character).</summary>
    public string DecodeNext(int id)
    {
        _streamed.Add(id);
        var text = _tokenizer.Decode(_streamed);
        if (text.EndsWith('\uFFFD'))
        {
            return "";
        }

        var added = text.StartsWith(_streamedText, StringComparison.Ordinal) ? text[_streamedText.Length..] : text;
        _streamedText = text;
        return added;
    }

    /// <summary>Starts a new stream (after an overflow fallback the answer is generated again).</summary>
    public void Restart()
    {
        _streamed.Clear();
        _streamedText = "";
    }
}
