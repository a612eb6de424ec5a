namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>Turns prompt text into token ids and generated ids back into text, for <c>run</c> and <c>demo</c>.</summary>
internal sealed class PromptTokenizer
{
    private readonly Func<string, int[]> _encode;
    private readonly Func<IReadOnlyList<int>, string> _decode;
    private readonly List<int> _streamed = [];
    private string _streamedText = "";

    private PromptTokenizer(Func<string, int[]> encode, Func<IReadOnlyList<int>, string> decode, IReadOnlyCollection<int> stopTokenIds)
    {
        _encode = encode;
        _decode = decode;
        StopTokenIds = stopTokenIds;
    }

    public IReadOnlyCollection<int> StopTokenIds { get; }

    /// <summary>The tokenizer of the model in <paramref name="folder"/>; bad input when there is none the runtime reads.</summary>
    public static PromptTokenizer Load(string folder)
    {
        var candidates = new[] { "tokenizer.json", "tokenizer.model" };
        if (!candidates.Any(name => File.Exists(Path.Combine(folder, name))))
        {
            throw new BadInputException($"{folder} has no tokenizer (tokenizer.json or tokenizer.model): give the prompt as --prompt-tokens 1,2,3.");
        }

        throw new BadInputException($"Reading the tokenizer in {folder} is not supported by this build yet: give the prompt as --prompt-tokens 1,2,3.");
    }

    public int[] Encode(string text) => _encode(text);

    public string Decode(IReadOnlyList<int> ids) => _decode(ids);

    /// <summary>The text one more streamed token adds (complete characters only; a new stream starts after a fallback).</summary>
    public string DecodeNext(int id)
    {
        _streamed.Add(id);
        var text = _decode(_streamed);
        if (text.EndsWith('\uFFFD'))
        {
            return "";
        }

        var added = text.StartsWith(_streamedText, StringComparison.Ordinal) ? text[_streamedText.Length..] : text;
        _streamedText = text;
        return added;
    }
}
