using System.Globalization;

namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>Parses lexed tokens into statements and expressions (precedence as Jinja's).</summary>
internal sealed class TemplateParser
{
    private readonly IReadOnlyList<TemplateToken> _tokens;
    private readonly string? _source;
    private int _index;

    private TemplateParser(IReadOnlyList<TemplateToken> tokens, string? source)
    {
        _tokens = tokens;
        _source = source;
    }

    public static IReadOnlyList<TemplateNode> Parse(string text, string? source)
    {
        var parser = new TemplateParser(TemplateLexer.Tokenize(text, source), source);
        var body = parser.ParseBody([]);
        var end = parser.Current;
        if (end.Kind != TemplateTokenKind.EndOfTemplate)
        {
            throw parser.Error(end, $"unexpected '{{% {parser.Peek(1).Value} %}}' without its opening tag");
        }

        return body;
    }

    private TemplateToken Current => _tokens[_index];

    private TemplateToken Peek(int ahead) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private TemplateToken Next() => _tokens[_index++];

    /// <summary>Statements until a block tag whose keyword is in <paramref name="stops"/> (left unconsumed) or the end.</summary>
    private List<TemplateNode> ParseBody(string[] stops)
    {
        var nodes = new List<TemplateNode>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TemplateTokenKind.EndOfTemplate:
                    return nodes;
                case TemplateTokenKind.Text:
                    nodes.Add(new TextNode(token.Position, token.Value));
                    _index++;
                    break;
                case TemplateTokenKind.ExpressionStart:
                    _index++;
                    var expression = ParseExpression();
                    Expect(TemplateTokenKind.ExpressionEnd, "'}}'");
                    nodes.Add(new OutputNode(token.Position, expression));
                    break;
                case TemplateTokenKind.BlockStart:
                    var keyword = Peek(1);
                    if (keyword.Kind == TemplateTokenKind.Name && stops.Contains(keyword.Value))
                    {
                        return nodes;
                    }

                    _index++;
                    if (ParseStatement(token) is { } statement)
                    {
                        nodes.Add(statement);
                    }

                    break;
                default:
                    throw Error(token, $"unexpected '{token.Value}'");
            }
        }
    }

    private TemplateNode? ParseStatement(TemplateToken start)
    {
        var keyword = Next();
        if (keyword.Kind != TemplateTokenKind.Name)
        {
            throw Error(keyword, $"expected a statement name after '{{%', found '{keyword.Value}'");
        }

        switch (keyword.Value)
        {
            case "if":
                return ParseIf(start);
            case "for":
                return ParseFor(start);
            case "set":
                return ParseSet(start);
            case "macro":
                return ParseMacro(start);
            case "break" or "continue":
                EndTag();
                return new LoopControlNode(start.Position, keyword.Value == "break");
            case "generation" or "endgeneration":
                EndTag();
                return null;
            case "elif" or "else" or "endif" or "endfor" or "endset" or "endmacro":
                throw Error(keyword, $"unexpected '{{% {keyword.Value} %}}': no open block here that it belongs to");
            default:
                throw Error(keyword, $"the statement '{keyword.Value}' is not supported (supported: if, for, set, macro, break, continue)");
        }
    }

    private IfNode ParseIf(TemplateToken start)
    {
        var branches = new List<(TemplateExpression, IReadOnlyList<TemplateNode>)>();
        var condition = ParseExpression();
        EndTag();
        while (true)
        {
            var body = ParseBody(["elif", "else", "endif"]);
            branches.Add((condition, body));
            var tag = CloseOrThrow(start, "endif");
            if (tag == "elif")
            {
                condition = ParseExpression();
                EndTag();
                continue;
            }

            if (tag == "else")
            {
                EndTag();
                var elseBody = ParseBody(["endif"]);
                CloseOrThrow(start, "endif");
                EndTag();
                return new IfNode(start.Position, branches, elseBody);
            }

            EndTag();
            return new IfNode(start.Position, branches, null);
        }
    }

    private ForNode ParseFor(TemplateToken start)
    {
        var targets = new List<string> { ExpectName() };
        while (Current.IsOperator(","))
        {
            _index++;
            targets.Add(ExpectName());
        }

        if (!Current.IsName("in"))
        {
            throw Error(Current, $"expected 'in' in the for loop, found '{Current.Value}'");
        }

        _index++;
        var items = ParseTernaryFree();
        TemplateExpression? filter = null;
        if (Current.IsName("if"))
        {
            _index++;
            filter = ParseExpression();
        }

        if (Current.IsName("recursive"))
        {
            throw Error(Current, "recursive for loops are not supported");
        }

        EndTag();
        var body = ParseBody(["else", "endfor"]);
        List<TemplateNode>? elseBody = null;
        if (CloseOrThrow(start, "endfor") == "else")
        {
            EndTag();
            elseBody = ParseBody(["endfor"]);
            CloseOrThrow(start, "endfor");
        }

        EndTag();
        return new ForNode(start.Position, targets, items, filter, body, elseBody);
    }

    private TemplateNode ParseSet(TemplateToken start)
    {
        var first = ExpectName();
        if (Current.IsOperator("."))
        {
            _index++;
            var attribute = ExpectName();
            ExpectOperator("=");
            var value = ParseExpression();
            EndTag();
            return new SetNode(start.Position, [first], attribute, value);
        }

        var names = new List<string> { first };
        while (Current.IsOperator(","))
        {
            _index++;
            names.Add(ExpectName());
        }

        if (Current.Kind == TemplateTokenKind.BlockEnd && names.Count == 1)
        {
            EndTag();
            var body = ParseBody(["endset"]);
            CloseOrThrow(start, "endset");
            EndTag();
            return new SetBlockNode(start.Position, first, body);
        }

        ExpectOperator("=");
        var assigned = ParseExpression();
        EndTag();
        return new SetNode(start.Position, names, null, assigned);
    }

    private MacroNode ParseMacro(TemplateToken start)
    {
        var name = ExpectName();
        ExpectOperator("(");
        var parameters = new List<(string, TemplateExpression?)>();
        while (!Current.IsOperator(")"))
        {
            var parameter = ExpectName();
            TemplateExpression? defaultValue = null;
            if (Current.IsOperator("="))
            {
                _index++;
                defaultValue = ParseExpression();
            }

            parameters.Add((parameter, defaultValue));
            if (!Current.IsOperator(","))
            {
                break;
            }

            _index++;
        }

        ExpectOperator(")");
        EndTag();
        var body = ParseBody(["endmacro"]);
        CloseOrThrow(start, "endmacro");
        EndTag();
        return new MacroNode(start.Position, name, parameters, body);
    }

    /// <summary>At a block tag that ends a body: consumes '{%' and the keyword and returns the keyword.</summary>
    private string CloseOrThrow(TemplateToken opening, string end)
    {
        if (Current.Kind == TemplateTokenKind.EndOfTemplate)
        {
            throw Error(opening, $"this block is never closed with '{{% {end} %}}'");
        }

        _index++;
        return Next().Value;
    }

    private void EndTag()
    {
        if (Current.Kind != TemplateTokenKind.BlockEnd)
        {
            throw Error(Current, $"expected '%}}', found '{Current.Value}'");
        }

        _index++;
    }

    private string ExpectName()
    {
        var token = Next();
        return token.Kind == TemplateTokenKind.Name ? token.Value : throw Error(token, $"expected a name, found '{token.Value}'");
    }

    private void ExpectOperator(string op)
    {
        var token = Next();
        if (!token.IsOperator(op))
        {
            throw Error(token, $"expected '{op}', found '{token.Value}'");
        }
    }

    private void Expect(TemplateTokenKind kind, string what)
    {
        var token = Next();
        if (token.Kind != kind)
        {
            throw Error(token, $"expected {what}, found '{token.Value}'");
        }
    }

    // Expressions, lowest precedence first.
    private TemplateExpression ParseExpression()
    {
        var value = ParseOr();
        if (!Current.IsName("if"))
        {
            return value;
        }

        var at = Next();
        var condition = ParseOr();
        TemplateExpression? otherwise = null;
        if (Current.IsName("else"))
        {
            _index++;
            otherwise = ParseExpression();
        }

        return new ConditionalExpression(at.Position, condition, value, otherwise);
    }

    /// <summary>An expression without a trailing <c>if</c> (the iterable of a for loop, which may have a filter).</summary>
    private TemplateExpression ParseTernaryFree() => ParseOr();

    private TemplateExpression ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var at = Next();
            left = new BinaryExpression(at.Position, "or", left, ParseAnd());
        }

        return left;
    }

    private TemplateExpression ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var at = Next();
            left = new BinaryExpression(at.Position, "and", left, ParseNot());
        }

        return left;
    }

    private TemplateExpression ParseNot()
    {
        if (Current.IsName("not"))
        {
            var at = Next();
            return new UnaryExpression(at.Position, "not", ParseNot());
        }

        return ParseComparison();
    }

    private TemplateExpression ParseComparison()
    {
        var left = ParseAdditive();
        while (true)
        {
            var token = Current;
            string op;
            if (token.Kind == TemplateTokenKind.Operator && token.Value is "==" or "!=" or "<" or "<=" or ">" or ">=")
            {
                op = token.Value;
                _index++;
            }
            else if (token.IsName("in"))
            {
                op = "in";
                _index++;
            }
            else if (token.IsName("not") && Peek(1).IsName("in"))
            {
                op = "not in";
                _index += 2;
            }
            else
            {
                return left;
            }

            left = new BinaryExpression(token.Position, op, left, ParseAdditive());
        }
    }

    private TemplateExpression ParseAdditive()
    {
        var left = ParseConcat();
        while (Current.Kind == TemplateTokenKind.Operator && Current.Value is "+" or "-")
        {
            var at = Next();
            left = new BinaryExpression(at.Position, at.Value, left, ParseConcat());
        }

        return left;
    }

    private TemplateExpression ParseConcat()
    {
        var left = ParseMultiplicative();
        while (Current.IsOperator("~"))
        {
            var at = Next();
            left = new BinaryExpression(at.Position, "~", left, ParseMultiplicative());
        }

        return left;
    }

    private TemplateExpression ParseMultiplicative()
    {
        var left = ParsePower();
        while (Current.Kind == TemplateTokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var at = Next();
            left = new BinaryExpression(at.Position, at.Value, left, ParsePower());
        }

        return left;
    }

    private TemplateExpression ParsePower()
    {
        var left = ParseUnary();
        while (Current.IsOperator("**"))
        {
            var at = Next();
            left = new BinaryExpression(at.Position, "**", left, ParseUnary());
        }

        return left;
    }

    private TemplateExpression ParseUnary()
    {
        if (Current.Kind == TemplateTokenKind.Operator && Current.Value is "-" or "+")
        {
            var at = Next();
            return ParseFiltersAndTests(new UnaryExpression(at.Position, at.Value, ParseUnary()));
        }

        return ParseFiltersAndTests(ParsePostfix(ParsePrimary()));
    }

    private TemplateExpression ParseFiltersAndTests(TemplateExpression operand)
    {
        while (true)
        {
            if (Current.IsOperator("|"))
            {
                var at = Next();
                var name = ExpectName();
                var arguments = Current.IsOperator("(") ? ParseArguments() : TemplateArguments.None;
                operand = new FilterExpression(at.Position, operand, name, arguments);
            }
            else if (Current.IsName("is"))
            {
                var at = Next();
                var negated = false;
                if (Current.IsName("not"))
                {
                    _index++;
                    negated = true;
                }

                var name = Current.Kind == TemplateTokenKind.Name ? Next().Value : throw Error(Current, $"expected a test name after 'is', found '{Current.Value}'");
                var arguments = TemplateArguments.None;
                if (Current.IsOperator("("))
                {
                    arguments = ParseArguments();
                }
                else if (Current.Kind is TemplateTokenKind.String or TemplateTokenKind.Integer or TemplateTokenKind.Float)
                {
                    arguments = new TemplateArguments([ParsePrimary()], []);
                }

                operand = new TestExpression(at.Position, operand, name, arguments, negated);
            }
            else
            {
                return operand;
            }
        }
    }

    private TemplateExpression ParsePostfix(TemplateExpression target)
    {
        while (true)
        {
            var token = Current;
            if (token.IsOperator("."))
            {
                _index++;
                var name = Next();
                target = name.Kind is TemplateTokenKind.Name or TemplateTokenKind.Integer
                    ? new AttributeExpression(name.Position, target, name.Value)
                    : throw Error(name, $"expected an attribute name after '.', found '{name.Value}'");
            }
            else if (token.IsOperator("["))
            {
                _index++;
                target = ParseSubscript(token, target);
            }
            else if (token.IsOperator("("))
            {
                target = new CallExpression(target.Position, target, ParseArguments());
            }
            else
            {
                return target;
            }
        }
    }

    private TemplateExpression ParseSubscript(TemplateToken open, TemplateExpression target)
    {
        TemplateExpression? start = null;
        if (!Current.IsOperator(":"))
        {
            start = ParseExpression();
            if (Current.IsOperator("]"))
            {
                _index++;
                return new IndexExpression(open.Position, target, start);
            }
        }

        ExpectOperator(":");
        TemplateExpression? stop = null, step = null;
        if (!Current.IsOperator(":") && !Current.IsOperator("]"))
        {
            stop = ParseExpression();
        }

        if (Current.IsOperator(":"))
        {
            _index++;
            if (!Current.IsOperator("]"))
            {
                step = ParseExpression();
            }
        }

        ExpectOperator("]");
        return new SliceExpression(open.Position, target, start, stop, step);
    }

    private TemplateArguments ParseArguments()
    {
        ExpectOperator("(");
        var positional = new List<TemplateExpression>();
        var keyword = new List<(string, TemplateExpression)>();
        while (!Current.IsOperator(")"))
        {
            if (Current.Kind == TemplateTokenKind.Name && Peek(1).IsOperator("="))
            {
                var name = Next().Value;
                _index++;
                keyword.Add((name, ParseExpression()));
            }
            else
            {
                if (keyword.Count > 0)
                {
                    throw Error(Current, "a positional argument follows a keyword argument");
                }

                positional.Add(ParseExpression());
            }

            if (!Current.IsOperator(","))
            {
                break;
            }

            _index++;
        }

        ExpectOperator(")");
        return new TemplateArguments(positional, keyword);
    }

    private TemplateExpression ParsePrimary()
    {
        var token = Next();
        switch (token.Kind)
        {
            case TemplateTokenKind.String:
                var text = token.Value;
                while (Current.Kind == TemplateTokenKind.String)
                {
                    text += Next().Value; // adjacent literals concatenate, as in Python
                }

                return new LiteralExpression(token.Position, text);
            case TemplateTokenKind.Integer:
                return new LiteralExpression(token.Position, long.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var integer)
                    ? integer
                    : throw Error(token, $"the integer {token.Value} is too large"));
            case TemplateTokenKind.Float:
                return new LiteralExpression(token.Position, double.Parse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture));
            case TemplateTokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpression(token.Position, true),
                    "false" or "False" => new LiteralExpression(token.Position, false),
                    "none" or "None" => new LiteralExpression(token.Position, null),
                    _ => new NameExpression(token.Position, token.Value),
                };
            case TemplateTokenKind.Operator when token.Value == "(":
                if (Current.IsOperator(")"))
                {
                    _index++;
                    return new ListExpression(token.Position, [], IsTuple: true);
                }

                var first = ParseExpression();
                if (Current.IsOperator(")"))
                {
                    _index++;
                    return first;
                }

                var tuple = new List<TemplateExpression> { first };
                while (Current.IsOperator(","))
                {
                    _index++;
                    if (Current.IsOperator(")"))
                    {
                        break;
                    }

                    tuple.Add(ParseExpression());
                }

                ExpectOperator(")");
                return new ListExpression(token.Position, tuple, IsTuple: true);
            case TemplateTokenKind.Operator when token.Value == "[":
                var items = new List<TemplateExpression>();
                while (!Current.IsOperator("]"))
                {
                    items.Add(ParseExpression());
                    if (!Current.IsOperator(","))
                    {
                        break;
                    }

                    _index++;
                }

                ExpectOperator("]");
                return new ListExpression(token.Position, items, IsTuple: false);
            case TemplateTokenKind.Operator when token.Value == "{":
                var pairs = new List<(TemplateExpression, TemplateExpression)>();
                while (!Current.IsOperator("}"))
                {
                    var key = ParseExpression();
                    ExpectOperator(":");
                    pairs.Add((key, ParseExpression()));
                    if (!Current.IsOperator(","))
                    {
                        break;
                    }

                    _index++;
                }

                ExpectOperator("}");
                return new DictExpression(token.Position, pairs);
            default:
                throw Error(token, token.Kind is TemplateTokenKind.BlockEnd or TemplateTokenKind.ExpressionEnd or TemplateTokenKind.EndOfTemplate
                    ? "the expression ends too early"
                    : $"unexpected '{token.Value}' in an expression");
        }
    }

    private ChatTemplateException Error(TemplateToken at, string reason) =>
        new(_source, at.Position.Line, at.Position.Column, reason);
}
