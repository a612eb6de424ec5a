using System.Globalization;
using System.Text;

namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>
/// Splits a template into text and the tokens of its tags, with the whitespace rules transformers renders with
/// (<c>trim_blocks</c> and <c>lstrip_blocks</c> on, one trailing newline of the template dropped) and the
/// <c>{%-</c>/<c>-%}</c> markers.
/// </summary>
internal sealed class TemplateLexer
{
    private static readonly string[] Operators =
    [
        "==", "!=", "<=", ">=", "//", "**", "<", ">", "+", "-", "*", "/", "%", "~", "=", ".", ",", ":", "(", ")", "[", "]", "{", "}", "|",
    ];

    private readonly string _text;
    private readonly int _end;
    private readonly string? _source;
    private readonly List<TemplateToken> _tokens = [];
    private readonly List<int> _lineStarts = [0];
    private int _position;

    private TemplateLexer(string text, string? source)
    {
        _text = text;
        _source = source;
        _end = text.EndsWith('\n') ? text.Length - 1 : text.Length;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                _lineStarts.Add(i + 1);
            }
        }
    }

    public static IReadOnlyList<TemplateToken> Tokenize(string text, string? source)
    {
        var lexer = new TemplateLexer(text, source);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        var trimNextNewline = false;
        var stripNextWhitespace = false;
        while (_position < _end)
        {
            var tagStart = FindTagStart(_position);
            var textEnd = tagStart < 0 ? _end : tagStart;
            var textStart = _position;
            if (stripNextWhitespace)
            {
                while (textStart < textEnd && char.IsWhiteSpace(_text[textStart]))
                {
                    textStart++;
                }
            }
            else if (trimNextNewline && textStart < textEnd && _text[textStart] == '\n')
            {
                textStart++;
            }

            if (tagStart >= 0)
            {
                var kind = _text[tagStart + 1];
                var stripBefore = tagStart + 2 < _end && _text[tagStart + 2] == '-';
                if (stripBefore)
                {
                    while (textEnd > textStart && char.IsWhiteSpace(_text[textEnd - 1]))
                    {
                        textEnd--;
                    }
                }
                else if (kind is '%' or '#')
                {
                    // lstrip_blocks: spaces and tabs from the start of the line to a block or comment tag.
                    var i = tagStart;
                    while (i > 0 && _text[i - 1] is ' ' or '\t')
                    {
                        i--;
                    }

                    if ((i == 0 || _text[i - 1] == '\n') && i >= textStart)
                    {
                        textEnd = i;
                    }
                }
            }

            if (textEnd > textStart)
            {
                _tokens.Add(new TemplateToken(TemplateTokenKind.Text, _text[textStart..textEnd], PositionOf(textStart)));
            }

            if (tagStart < 0)
            {
                _position = _end;
                break;
            }

            var closer = _text[tagStart + 1] switch
            {
                '#' => LexComment(tagStart),
                '%' => LexTag(tagStart, TemplateTokenKind.BlockStart, TemplateTokenKind.BlockEnd, '%'),
                _ => LexTag(tagStart, TemplateTokenKind.ExpressionStart, TemplateTokenKind.ExpressionEnd, '}'),
            };
            stripNextWhitespace = closer.Strip;
            trimNextNewline = closer.IsBlock;
        }

        _tokens.Add(new TemplateToken(TemplateTokenKind.EndOfTemplate, string.Empty, PositionOf(_end)));
    }

    private int FindTagStart(int from)
    {
        for (var i = from; i + 1 < _end; i++)
        {
            if (_text[i] == '{' && _text[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }

        return -1;
    }

    private (bool Strip, bool IsBlock) LexComment(int start)
    {
        var close = _text.IndexOf("#}", start + 2, StringComparison.Ordinal);
        if (close < 0 || close + 2 > _end)
        {
            throw Error(start, "the comment opened here is never closed with '#}'");
        }

        _position = close + 2;
        var strip = close > start + 2 && _text[close - 1] == '-';
        return (strip, true);
    }

    private (bool Strip, bool IsBlock) LexTag(int start, TemplateTokenKind open, TemplateTokenKind close, char closeFirst)
    {
        _tokens.Add(new TemplateToken(open, _text.Substring(start, 2), PositionOf(start)));
        _position = start + 2;
        if (_position < _end && _text[_position] is '-' or '+')
        {
            _position++;
        }

        var braces = 0;
        while (true)
        {
            while (_position < _end && char.IsWhiteSpace(_text[_position]))
            {
                _position++;
            }

            if (_position >= _end)
            {
                throw Error(start, $"the tag opened here is never closed with '{closeFirst}}}'");
            }

            var c = _text[_position];
            if (c == '-' && At(_position + 1, closeFirst) && At(_position + 2, '}') && (closeFirst == '%' || braces == 0))
            {
                _tokens.Add(new TemplateToken(close, closeFirst + "}", PositionOf(_position)));
                _position += 3;
                return (true, open == TemplateTokenKind.BlockStart);
            }

            if (c == closeFirst && At(_position + 1, '}') && (closeFirst == '%' || braces == 0))
            {
                _tokens.Add(new TemplateToken(close, closeFirst + "}", PositionOf(_position)));
                _position += 2;
                return (false, open == TemplateTokenKind.BlockStart);
            }

            var at = _position;
            if (c is '\'' or '"')
            {
                _tokens.Add(new TemplateToken(TemplateTokenKind.String, ReadString(c), PositionOf(at)));
            }
            else if (char.IsAsciiDigit(c))
            {
                _tokens.Add(ReadNumber());
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                var from = _position;
                while (_position < _end && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] == '_'))
                {
                    _position++;
                }

                _tokens.Add(new TemplateToken(TemplateTokenKind.Name, _text[from.._position], PositionOf(from)));
            }
            else
            {
                var op = Operators.FirstOrDefault(o => string.CompareOrdinal(_text, _position, o, 0, o.Length) == 0 && _position + o.Length <= _end)
                    ?? throw Error(_position, $"unexpected character '{c}'");
                braces += op == "{" ? 1 : op == "}" && braces > 0 ? -1 : 0;
                _tokens.Add(new TemplateToken(TemplateTokenKind.Operator, op, PositionOf(_position)));
                _position += op.Length;
            }
        }
    }

    private bool At(int index, char c) => index < _end && _text[index] == c;

    private string ReadString(char quote)
    {
        var start = _position;
        _position++;
        var builder = new StringBuilder();
        while (true)
        {
            if (_position >= _end)
            {
                throw Error(start, "the string starting here is never closed");
            }

            var c = _text[_position++];
            if (c == quote)
            {
                return builder.ToString();
            }

            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            if (_position >= _end)
            {
                throw Error(start, "the string starting here is never closed");
            }

            var escaped = _text[_position++];
            switch (escaped)
            {
                case 'n': builder.Append('\n'); break;
                case 't': builder.Append('\t'); break;
                case 'r': builder.Append('\r'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case '\\': builder.Append('\\'); break;
                case '\'': builder.Append('\''); break;
                case '"': builder.Append('"'); break;
                case 'x' or 'u':
                    var length = escaped == 'x' ? 2 : 4;
                    if (_position + length > _end || !int.TryParse(_text.AsSpan(_position, length), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                    {
                        throw Error(_position - 2, $"invalid \\{escaped} escape in a string");
                    }

                    builder.Append((char)code);
                    _position += length;
                    break;
                default:
                    throw Error(_position - 2, $"unsupported escape '\\{escaped}' in a string");
            }
        }
    }

    private TemplateToken ReadNumber()
    {
        var start = _position;
        while (_position < _end && (char.IsAsciiDigit(_text[_position]) || _text[_position] == '_'))
        {
            _position++;
        }

        var isFloat = _position + 1 < _end && _text[_position] == '.' && char.IsAsciiDigit(_text[_position + 1]);
        if (isFloat)
        {
            _position++;
            while (_position < _end && char.IsAsciiDigit(_text[_position]))
            {
                _position++;
            }
        }

        var text = _text[start.._position].Replace("_", string.Empty, StringComparison.Ordinal);
        return new TemplateToken(isFloat ? TemplateTokenKind.Float : TemplateTokenKind.Integer, text, PositionOf(start));
    }

    internal TemplatePosition PositionOf(int index)
    {
        var line = _lineStarts.BinarySearch(index);
        line = line >= 0 ? line : ~line - 1;
        return new TemplatePosition(line + 1, index - _lineStarts[line] + 1);
    }

    private ChatTemplateException Error(int index, string reason)
    {
        var at = PositionOf(index);
        return new ChatTemplateException(_source, at.Line, at.Column, reason);
    }
}
