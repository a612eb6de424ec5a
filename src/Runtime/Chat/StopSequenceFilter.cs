using System.Text;

namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>
/// Cuts streamed text at the first of some stop sequences. Text that could still become the start of a stop sequence
/// (the last <c>longest − 1</c> characters) is held back until it cannot; the stop sequence itself is never given out.
/// Without stop sequences every piece passes straight through.
/// </summary>
internal sealed class StopSequenceFilter
{
    private readonly string[] _stops;
    private readonly int _holdBack;
    private readonly StringBuilder _received = new();
    private int _emitted;
    private int _end = -1;

    public StopSequenceFilter(IEnumerable<string>? stops)
    {
        _stops = stops?.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToArray() ?? [];
        _holdBack = _stops.Length == 0 ? 0 : _stops.Max(s => s.Length) - 1;
    }

    /// <summary>Whether a stop sequence was seen; nothing more is given out after it.</summary>
    public bool Stopped => _end >= 0;

    /// <summary>All text received so far (since the last <see cref="Reset"/>), stop sequences included.</summary>
    public string Received => _received.ToString();

    /// <summary>The answer: the text received, cut before the first stop sequence.</summary>
    public string Text => Stopped ? _received.ToString(0, _end) : _received.ToString();

    /// <summary>Adds a piece of text; returns the text that is now safe to give out (possibly empty).</summary>
    public string Add(string piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        if (Stopped)
        {
            return string.Empty;
        }

        _received.Append(piece);
        var text = _received.ToString();
        var at = -1;
        foreach (var stop in _stops)
        {
            // Everything given out was checked already, and no stop sequence can start inside it (see the hold-back).
            var index = text.IndexOf(stop, _emitted, StringComparison.Ordinal);
            if (index >= 0 && (at < 0 || index < at))
            {
                at = index;
            }
        }

        if (at >= 0)
        {
            _end = at;
            return Take(text, at);
        }

        return Take(text, Math.Max(_emitted, text.Length - _holdBack));
    }

    /// <summary>The text held back, at the end of an answer that did not stop on a sequence.</summary>
    public string Flush() => Stopped ? string.Empty : Take(_received.ToString(), _received.Length);

    /// <summary>Starts again (an answer restarted in a safer dtype).</summary>
    public void Reset()
    {
        _received.Clear();
        _emitted = 0;
        _end = -1;
    }

    private string Take(string text, int upTo)
    {
        var piece = text[_emitted..upTo];
        _emitted = upTo;
        return piece;
    }
}
