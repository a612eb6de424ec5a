using System.Text;

namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>Renders parsed statements with a scope of variables; Python's semantics for values (see <see cref="TemplateValues"/>).</summary>
internal sealed class TemplateEvaluator
{
    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    private readonly string? _source;
    private readonly CancellationToken _cancellationToken;
    private readonly TemplateBuiltins _builtins;
    private int _macroDepth;

    /// <summary>Macro calls nested deeper than this fail instead of overflowing the stack.</summary>
    internal const int MaxMacroDepth = 64;

    public TemplateEvaluator(string? source, TimeProvider time, CancellationToken cancellationToken)
    {
        _source = source;
        _cancellationToken = cancellationToken;
        _builtins = new TemplateBuiltins(this, time);
    }

    public string Render(IReadOnlyList<TemplateNode> nodes, IReadOnlyDictionary<string, object?> variables)
    {
        var globals = new TemplateScope(null);
        _builtins.AddGlobals(globals);
        var scope = new TemplateScope(globals);
        foreach (var (name, value) in variables)
        {
            scope.Set(name, TemplateValues.FromClr(value));
        }

        var output = new StringBuilder();
        Execute(nodes, scope, output, inLoop: false);
        return output.ToString();
    }

    public ChatTemplateException Error(TemplatePosition at, string reason, bool raised = false) =>
        new(_source, at.Line, at.Column, reason, raised);

    private Flow Execute(IReadOnlyList<TemplateNode> nodes, TemplateScope scope, StringBuilder output, bool inLoop)
    {
        foreach (var node in nodes)
        {
            var flow = Execute(node, scope, output, inLoop);
            if (flow != Flow.Normal)
            {
                return flow;
            }
        }

        return Flow.Normal;
    }

    private Flow Execute(TemplateNode node, TemplateScope scope, StringBuilder output, bool inLoop)
    {
        switch (node)
        {
            case TextNode text:
                output.Append(text.Text);
                return Flow.Normal;
            case OutputNode o:
                output.Append(TemplateValues.ToText(Evaluate(o.Expression, scope)));
                return Flow.Normal;
            case IfNode branch:
                foreach (var (condition, body) in branch.Branches)
                {
                    if (TemplateValues.IsTrue(Evaluate(condition, scope)))
                    {
                        return Execute(body, scope, output, inLoop);
                    }
                }

                return branch.Else is null ? Flow.Normal : Execute(branch.Else, scope, output, inLoop);
            case ForNode loop:
                ExecuteFor(loop, scope, output);
                return Flow.Normal;
            case SetNode set:
                Assign(set, scope);
                return Flow.Normal;
            case SetBlockNode block:
                var captured = new StringBuilder();
                Execute(block.Body, scope, captured, inLoop);
                scope.Set(block.Name, captured.ToString());
                return Flow.Normal;
            case MacroNode macro:
                scope.Set(macro.Name, MakeMacro(macro, scope));
                return Flow.Normal;
            case LoopControlNode control:
                return inLoop ? (control.IsBreak ? Flow.Break : Flow.Continue) : throw Error(control.Position, $"'{(control.IsBreak ? "break" : "continue")}' outside a for loop");
            default:
                throw Error(node.Position, $"cannot render a {node.GetType().Name}");
        }
    }

    private void Assign(SetNode set, TemplateScope scope)
    {
        var value = Evaluate(set.Value, scope);
        if (set.Attribute is { } attribute)
        {
            if (!scope.TryGet(set.Names[0], out var target) || target is not TemplateNamespace ns)
            {
                throw Error(set.Position, $"'{set.Names[0]}' is not a namespace: only a namespace() takes '{set.Names[0]}.{attribute} = …'");
            }

            ns.Attributes[attribute] = value;
            return;
        }

        if (set.Names.Count == 1)
        {
            scope.Set(set.Names[0], value);
            return;
        }

        var items = value as List<object?> ?? throw Error(set.Position, $"cannot unpack a {TemplateValues.TypeName(value)} into {set.Names.Count} names");
        if (items.Count != set.Names.Count)
        {
            throw Error(set.Position, $"cannot unpack {items.Count} values into {set.Names.Count} names");
        }

        for (var i = 0; i < items.Count; i++)
        {
            scope.Set(set.Names[i], items[i]);
        }
    }

    private void ExecuteFor(ForNode loop, TemplateScope scope, StringBuilder output)
    {
        var source = Evaluate(loop.Items, scope);
        var items = source switch
        {
            List<object?> list => list.ToList(),
            Dictionary<string, object?> dictionary => dictionary.Keys.Select(k => (object?)k).ToList(),
            string s => s.Select(c => (object?)c.ToString()).ToList(),
            TemplateUndefined => [],
            _ => throw Error(loop.Items.Position, $"cannot loop over a {TemplateValues.TypeName(source)}"),
        };

        if (loop.Filter is not null)
        {
            items = items.Where(item =>
            {
                var filterScope = new TemplateScope(scope);
                Bind(loop, filterScope, item);
                return TemplateValues.IsTrue(Evaluate(loop.Filter, filterScope));
            }).ToList();
        }

        if (items.Count == 0)
        {
            if (loop.Else is not null)
            {
                Execute(loop.Else, new TemplateScope(scope), output, inLoop: false);
            }

            return;
        }

        for (var i = 0; i < items.Count; i++)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var iteration = new TemplateScope(scope);
            Bind(loop, iteration, items[i]);
            iteration.Set("loop", new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["index"] = (long)(i + 1),
                ["index0"] = (long)i,
                ["revindex"] = (long)(items.Count - i),
                ["revindex0"] = (long)(items.Count - i - 1),
                ["first"] = i == 0,
                ["last"] = i == items.Count - 1,
                ["length"] = (long)items.Count,
                ["previtem"] = i > 0 ? items[i - 1] : TemplateUndefined.Instance,
                ["nextitem"] = i < items.Count - 1 ? items[i + 1] : TemplateUndefined.Instance,
            });
            if (Execute(loop.Body, iteration, output, inLoop: true) == Flow.Break)
            {
                break;
            }
        }
    }

    private void Bind(ForNode loop, TemplateScope scope, object? item)
    {
        if (loop.Targets.Count == 1)
        {
            scope.Set(loop.Targets[0], item);
            return;
        }

        if (item is not List<object?> parts || parts.Count != loop.Targets.Count)
        {
            throw Error(loop.Position, $"cannot unpack a {TemplateValues.TypeName(item)} into {string.Join(", ", loop.Targets)}");
        }

        for (var i = 0; i < parts.Count; i++)
        {
            scope.Set(loop.Targets[i], parts[i]);
        }
    }

    private TemplateCallable MakeMacro(MacroNode macro, TemplateScope definedIn) => (positional, keyword, at) =>
    {
        if (positional.Count > macro.Parameters.Count)
        {
            throw Error(at, $"macro '{macro.Name}' takes {macro.Parameters.Count} arguments, {positional.Count} given");
        }

        if (_macroDepth >= MaxMacroDepth)
        {
            throw Error(at, $"macro '{macro.Name}' nested more than {MaxMacroDepth} calls deep");
        }

        var scope = new TemplateScope(definedIn);
        for (var i = 0; i < macro.Parameters.Count; i++)
        {
            var (name, defaultValue) = macro.Parameters[i];
            var value = i < positional.Count ? positional[i]
                : keyword.TryGetValue(name, out var named) ? named
                : defaultValue is null ? TemplateUndefined.Instance : Evaluate(defaultValue, scope);
            scope.Set(name, value);
        }

        var output = new StringBuilder();
        _macroDepth++;
        try
        {
            Execute(macro.Body, scope, output, inLoop: false);
        }
        finally
        {
            _macroDepth--;
        }

        return output.ToString();
    };

    public object? Evaluate(TemplateExpression expression, TemplateScope scope)
    {
        switch (expression)
        {
            case LiteralExpression literal:
                return literal.Value;
            case NameExpression name:
                return scope.TryGet(name.Name, out var value) ? value : TemplateUndefined.Instance;
            case ListExpression list:
                return list.Items.Select(item => Evaluate(item, scope)).ToList();
            case DictExpression dictionary:
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, item) in dictionary.Pairs)
                {
                    result[Evaluate(key, scope) as string ?? throw Error(key.Position, "dictionary keys must be strings")] = Evaluate(item, scope);
                }

                return result;
            case AttributeExpression attribute:
                return _builtins.GetAttribute(Evaluate(attribute.Target, scope), attribute.Name, attribute.Position);
            case IndexExpression index:
                return _builtins.GetItem(Evaluate(index.Target, scope), Evaluate(index.Index, scope), index.Position);
            case SliceExpression slice:
                return TemplateBuiltins.Slice(
                    Evaluate(slice.Target, scope),
                    slice.Start is null ? null : Evaluate(slice.Start, scope),
                    slice.Stop is null ? null : Evaluate(slice.Stop, scope),
                    slice.Step is null ? null : Evaluate(slice.Step, scope),
                    slice.Position,
                    this);
            case CallExpression call:
                return Call(call, scope);
            case FilterExpression filter:
                var (filterPositional, filterKeyword) = EvaluateArguments(filter.Arguments, scope);
                return _builtins.ApplyFilter(filter.Name, Evaluate(filter.Operand, scope), filterPositional, filterKeyword, filter.Position);
            case TestExpression test:
                var (testPositional, _) = EvaluateArguments(test.Arguments, scope);
                var passed = _builtins.ApplyTest(test.Name, Evaluate(test.Operand, scope), testPositional, test.Position);
                return test.Negated ? !passed : passed;
            case UnaryExpression unary:
                var operand = Evaluate(unary.Operand, scope);
                return unary.Operator switch
                {
                    "not" => !TemplateValues.IsTrue(operand),
                    "-" => operand switch
                    {
                        long l => (object)(-l),
                        double d => (object)(-d),
                        _ => throw Error(unary.Position, $"cannot negate a {TemplateValues.TypeName(operand)}"),
                    },
                    _ => TemplateValues.IsNumber(operand) ? operand : throw Error(unary.Position, $"unary '+' on a {TemplateValues.TypeName(operand)}"),
                };
            case BinaryExpression binary:
                if (binary.Operator == "and")
                {
                    var left = Evaluate(binary.Left, scope);
                    return TemplateValues.IsTrue(left) ? Evaluate(binary.Right, scope) : left;
                }

                if (binary.Operator == "or")
                {
                    var left = Evaluate(binary.Left, scope);
                    return TemplateValues.IsTrue(left) ? left : Evaluate(binary.Right, scope);
                }

                return TemplateBuiltins.Binary(binary.Operator, Evaluate(binary.Left, scope), Evaluate(binary.Right, scope), binary.Position, this);
            case ConditionalExpression conditional:
                return TemplateValues.IsTrue(Evaluate(conditional.Condition, scope))
                    ? Evaluate(conditional.Then, scope)
                    : conditional.Else is null ? TemplateUndefined.Instance : Evaluate(conditional.Else, scope);
            default:
                throw Error(expression.Position, $"cannot evaluate a {expression.GetType().Name}");
        }
    }

    private object? Call(CallExpression call, TemplateScope scope)
    {
        var callee = Evaluate(call.Callee, scope);
        if (callee is not TemplateCallable function)
        {
            var what = call.Callee switch
            {
                NameExpression n => $"'{n.Name}'",
                AttributeExpression a => $"'{a.Name}'",
                _ => "the value",
            };
            throw Error(call.Position, callee is TemplateUndefined
                ? $"{what} is undefined: the function or method is not supported"
                : $"{what} is a {TemplateValues.TypeName(callee)}, not a function");
        }

        var (positional, keyword) = EvaluateArguments(call.Arguments, scope);
        return function(positional, keyword, call.Position);
    }

    private (List<object?> Positional, Dictionary<string, object?> Keyword) EvaluateArguments(TemplateArguments arguments, TemplateScope scope)
    {
        var positional = arguments.Positional.Select(a => Evaluate(a, scope)).ToList();
        var keyword = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in arguments.Keyword)
        {
            keyword[name] = Evaluate(value, scope);
        }

        return (positional, keyword);
    }
}
