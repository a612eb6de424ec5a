using PrecisionAnalyzers.Runtime.Chat;
using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Server;

/// <summary>Turns an answer's token ids into text as they come (special tokens dropped) and cuts it at the request's stop sequences.</summary>
internal sealed class AnswerText
{
    private readonly TokenStreamDecoder _decoder;
    private readonly StopSequenceFilter _stops;

    public AnswerText(ServedModel model, IReadOnlyList<string> stops)
    {
        _decoder = model.Tokenizer.CreateStreamDecoder();
        _stops = new StopSequenceFilter(stops);
    }

    /// <summary>True once a stop sequence appeared: the answer ends before it.</summary>
    public bool Stopped => _stops.Stopped;

    /// <summary>The answer so far.</summary>
    public string Text => _stops.Text;

    /// <summary>The text that token <paramref name="id"/> makes safe to send (possibly empty).</summary>
    public string Add(int id) => _stops.Add(_decoder.Add(id));

    /// <summary>What was held back at the end of an answer.</summary>
    public string Finish() => _stops.Add(_decoder.Flush()) + _stops.Flush();
}
