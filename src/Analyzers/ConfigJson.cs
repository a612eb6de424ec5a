using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// A small JSON reader for a model's <c>config.json</c>: objects become dictionaries, arrays lists, numbers doubles. Analyzers
/// cannot ship System.Text.Json, and must never throw: anything malformed (or nested deeper than 64) gives null.
/// </summary>
internal sealed class ConfigJson
{
    private const int MaxDepth = 64;

    private readonly string _text;
    private int _position;

    private ConfigJson(string text) => _text = text;

    /// <summary>The top-level object of <paramref name="text"/>, or null when it is not one well-formed JSON object.</summary>
    public static Dictionary<string, object?>? ParseObject(string text)
    {
        var reader = new ConfigJson(text);
        if (!reader.TryValue(0, out var value) || value is not Dictionary<string, object?> root)
        {
            return null;
        }

        reader.SkipWhitespace();
        return reader._position == text.Length ? root : null;
    }

    private bool TryValue(int depth, out object? value)
    {
        value = null;
        SkipWhitespace();
        if (depth > MaxDepth || _position >= _text.Length)
        {
            return false;
        }

        switch (_text[_position])
        {
            case '{':
                return TryObject(depth, out value);
            case '[':
                return TryArray(depth, out value);
            case '"':
                var ok = TryString(out var text);
                value = text;
                return ok;
            case 't':
                value = true;
                return TryWord("true");
            case 'f':
                value = false;
                return TryWord("false");
            case 'n':
                return TryWord("null");
            default:
                var number = TryNumber(out var parsed);
                value = parsed;
                return number;
        }
    }

    private bool TryObject(int depth, out object? value)
    {
        value = null;
        var members = new Dictionary<string, object?>();
        _position++; // {
        SkipWhitespace();
        if (Peek('}'))
        {
            _position++;
            value = members;
            return true;
        }

        while (true)
        {
            SkipWhitespace();
            if (!Peek('"') || !TryString(out var name))
            {
                return false;
            }

            SkipWhitespace();
            if (!Peek(':'))
            {
                return false;
            }

            _position++;
            if (!TryValue(depth + 1, out var member))
            {
                return false;
            }

            members[name!] = member;
            SkipWhitespace();
            if (Peek(','))
            {
                _position++;
                continue;
            }

            if (Peek('}'))
            {
                _position++;
                value = members;
                return true;
            }

            return false;
        }
    }

    private bool TryArray(int depth, out object? value)
    {
        value = null;
        var items = new List<object?>();
        _position++; // [
        SkipWhitespace();
        if (Peek(']'))
        {
            _position++;
            value = items;
            return true;
        }

        while (true)
        {
            if (!TryValue(depth + 1, out var item))
            {
                return false;
            }

            items.Add(item);
            SkipWhitespace();
            if (Peek(','))
            {
                _position++;
                continue;
            }

            if (Peek(']'))
            {
                _position++;
                value = items;
                return true;
            }

            return false;
        }
    }

    private bool TryString(out string? value)
    {
        value = null;
        var builder = new StringBuilder();
        _position++; // "
        while (_position < _text.Length)
        {
            var c = _text[_position++];
            if (c == '"')
            {
                value = builder.ToString();
                return true;
            }

            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            if (_position >= _text.Length)
            {
                return false;
            }

            var escaped = _text[_position++];
            switch (escaped)
            {
                case '"' or '\\' or '/':
                    builder.Append(escaped);
                    break;
                case 'b':
                    builder.Append('\b');
                    break;
                case 'f':
                    builder.Append('\f');
                    break;
                case 'n':
                    builder.Append('\n');
                    break;
                case 'r':
                    builder.Append('\r');
                    break;
                case 't':
                    builder.Append('\t');
                    break;
                case 'u' when _position + 4 <= _text.Length
                              && int.TryParse(_text.Substring(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                    builder.Append((char)code);
                    _position += 4;
                    break;
                default:
                    return false;
            }
        }

        return false;
    }

    private bool TryNumber(out double value)
    {
        var start = _position;
        while (_position < _text.Length && (char.IsDigit(_text[_position]) || _text[_position] is '-' or '+' or '.' or 'e' or 'E'))
        {
            _position++;
        }

        return double.TryParse(_text.Substring(start, _position - start), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && _position > start;
    }

    private bool TryWord(string word)
    {
        if (string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0)
        {
            return false;
        }

        _position += word.Length;
        return true;
    }

    private bool Peek(char c) => _position < _text.Length && _text[_position] == c;

    private void SkipWhitespace()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            _position++;
        }
    }
}
