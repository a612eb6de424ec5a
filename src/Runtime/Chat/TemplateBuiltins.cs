using System.Globalization;
using System.Text;

namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>
/// What templates call: the globals (<c>raise_exception</c>, <c>namespace</c>, <c>range</c>, <c>strftime_now</c>), filters,
/// tests, the string/dict/list methods real chat templates use, indexing and slicing, and the binary operators.
/// Anything else is a <see cref="ChatTemplateException"/> naming it.
/// </summary>
internal sealed class TemplateBuiltins(TemplateEvaluator evaluator, TimeProvider time)
{
    private static readonly IReadOnlyDictionary<string, object?> NoKeywords = new Dictionary<string, object?>();

    /// <summary>The most items <c>range</c> makes and the longest string <c>*</c> repeats to: a template cannot exhaust memory.</summary>
    internal const int MaxItems = 1_000_000;

    public void AddGlobals(TemplateScope globals)
    {
        globals.Set("raise_exception", (TemplateCallable)((args, _, at) =>
            throw evaluator.Error(at, args.Count > 0 ? TemplateValues.ToText(args[0]) : "the template raised an exception", raised: true)));
        globals.Set("namespace", (TemplateCallable)((args, keyword, at) =>
        {
            var ns = new TemplateNamespace();
            foreach (var arg in args)
            {
                foreach (var (key, value) in arg as Dictionary<string, object?> ?? throw evaluator.Error(at, "namespace() takes keyword arguments or a dict"))
                {
                    ns.Attributes[key] = value;
                }
            }

            foreach (var (key, value) in keyword)
            {
                ns.Attributes[key] = value;
            }

            return ns;
        }));
        globals.Set("dict", (TemplateCallable)((_, keyword, _) => keyword.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)));
        globals.Set("range", (TemplateCallable)((args, _, at) =>
        {
            var numbers = args.Select(a => a as long? ?? throw evaluator.Error(at, "range() takes integers")).ToArray();
            var (start, stop, step) = numbers.Length switch
            {
                1 => (0L, numbers[0], 1L),
                2 => (numbers[0], numbers[1], 1L),
                3 => (numbers[0], numbers[1], numbers[2]),
                _ => throw evaluator.Error(at, "range() takes 1 to 3 arguments"),
            };
            if (step == 0)
            {
                throw evaluator.Error(at, "range() step must not be zero");
            }

            var result = new List<object?>();
            for (var i = start; step > 0 ? i < stop : i > stop; i += step)
            {
                if (result.Count == MaxItems)
                {
                    throw evaluator.Error(at, $"range() of more than {MaxItems} items");
                }

                result.Add(i);
            }

            return result;
        }));
        globals.Set("strftime_now", (TemplateCallable)((args, _, at) =>
            Strftime(time.GetLocalNow(), args.Count == 1 && args[0] is string format ? format : throw evaluator.Error(at, "strftime_now() takes one format string"), at)));
    }

    public object? GetAttribute(object? target, string name, TemplatePosition at)
    {
        switch (target)
        {
            case TemplateNamespace ns:
                return ns.Attributes.TryGetValue(name, out var nsValue) ? nsValue : TemplateUndefined.Instance;
            case Dictionary<string, object?> dictionary:
                if (dictionary.TryGetValue(name, out var value))
                {
                    return value;
                }

                return DictionaryMethod(dictionary, name) ?? (object)TemplateUndefined.Instance;
            case string s:
                return StringMethod(s, name) ?? (object)TemplateUndefined.Instance;
            case List<object?> list:
                if (long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var position))
                {
                    return GetItem(list, position, at);
                }

                return ListMethod(list, name) ?? (object)TemplateUndefined.Instance;
            case TemplateUndefined:
                return TemplateUndefined.Instance;
            case null:
                throw evaluator.Error(at, $"None has no attribute '{name}'");
            default:
                return TemplateUndefined.Instance;
        }
    }

    public object? GetItem(object? target, object? key, TemplatePosition at)
    {
        switch (target, key)
        {
            case (Dictionary<string, object?> dictionary, string name):
                return dictionary.TryGetValue(name, out var value) ? value : TemplateUndefined.Instance;
            case (TemplateNamespace ns, string name):
                return ns.Attributes.TryGetValue(name, out var nsValue) ? nsValue : TemplateUndefined.Instance;
            case (List<object?> list, long index):
                var i = index < 0 ? list.Count + index : index;
                return i >= 0 && i < list.Count ? list[(int)i] : TemplateUndefined.Instance;
            case (string s, long index):
                var j = index < 0 ? s.Length + index : index;
                return j >= 0 && j < s.Length ? s[(int)j].ToString() : TemplateUndefined.Instance;
            case (List<object?> or string, _):
                throw evaluator.Error(at, $"a {TemplateValues.TypeName(target)} is indexed by integers, not by a {TemplateValues.TypeName(key)}");
            case (TemplateUndefined, _):
                return TemplateUndefined.Instance;
            case (null, _):
                throw evaluator.Error(at, "None cannot be indexed");
            default:
                return TemplateUndefined.Instance;
        }
    }

    public static object? Slice(object? target, object? start, object? stop, object? step, TemplatePosition at, TemplateEvaluator evaluator)
    {
        var count = target switch
        {
            List<object?> list => list.Count,
            string s => s.Length,
            _ => throw evaluator.Error(at, $"cannot slice a {TemplateValues.TypeName(target)}"),
        };
        long? Bound(object? value) => value switch
        {
            null or TemplateUndefined => null,
            long l => l,
            _ => throw evaluator.Error(at, "slice bounds must be integers"),
        };
        var stepValue = Bound(step) ?? 1;
        if (stepValue == 0)
        {
            throw evaluator.Error(at, "slice step cannot be zero");
        }

        long Clamp(long? value, long whenNull, bool forward)
        {
            if (value is not long v)
            {
                return whenNull;
            }

            if (v < 0)
            {
                v += count;
            }

            return forward ? Math.Clamp(v, 0, count) : Math.Clamp(v, -1, count - 1);
        }

        var forward = stepValue > 0;
        var from = Clamp(Bound(start), forward ? 0 : count - 1, forward);
        var to = Clamp(Bound(stop), forward ? count : -1, forward);
        var indices = new List<int>();
        for (var i = from; forward ? i < to : i > to; i += stepValue)
        {
            indices.Add((int)i);
        }

        return target is string text
            ? string.Concat(indices.Select(i => text[i]))
            : indices.Select(i => ((List<object?>)target!)[i]).ToList();
    }

    public static object? Binary(string op, object? left, object? right, TemplatePosition at, TemplateEvaluator evaluator)
    {
        ChatTemplateException Unsupported() =>
            evaluator.Error(at, $"unsupported operand types for {op}: {TemplateValues.TypeName(left)} and {TemplateValues.TypeName(right)}");

        switch (op)
        {
            case "==":
                return TemplateValues.Equals(left, right);
            case "!=":
                return !TemplateValues.Equals(left, right);
            case "<" or "<=" or ">" or ">=":
                var order = TemplateValues.Compare(left, right) ?? throw Unsupported();
                return op switch { "<" => order < 0, "<=" => order <= 0, ">" => order > 0, _ => order >= 0 };
            case "in":
                return Contains(right, left, at, evaluator);
            case "not in":
                return !Contains(right, left, at, evaluator);
            case "~":
                return TemplateValues.ToText(left) + TemplateValues.ToText(right);
        }

        switch (left, right)
        {
            case (long a, long b):
                return op switch
                {
                    "+" => (object)(a + b),
                    "-" => a - b,
                    "*" => a * b,
                    "/" => b == 0 ? throw evaluator.Error(at, "division by zero") : (double)a / b,
                    "//" => b == 0 ? throw evaluator.Error(at, "division by zero") : (long)Math.Floor((double)a / b),
                    "%" => b == 0 ? throw evaluator.Error(at, "modulo by zero") : ((a % b) + b) % b,
                    "**" => b >= 0 ? (object)(long)Math.Pow(a, b) : Math.Pow(a, b),
                    _ => throw Unsupported(),
                };
            case (long or double, long or double):
                var x = TemplateValues.ToDouble(left);
                var y = TemplateValues.ToDouble(right);
                return op switch
                {
                    "+" => x + y,
                    "-" => x - y,
                    "*" => x * y,
                    "/" => y == 0 ? throw evaluator.Error(at, "division by zero") : x / y,
                    "//" => y == 0 ? throw evaluator.Error(at, "division by zero") : Math.Floor(x / y),
                    "%" => y == 0 ? throw evaluator.Error(at, "modulo by zero") : x - (y * Math.Floor(x / y)),
                    "**" => Math.Pow(x, y),
                    _ => throw Unsupported(),
                };
            case (string a, string b) when op == "+":
                return a + b;
            case (List<object?> a, List<object?> b) when op == "+":
                return a.Concat(b).ToList();
            case (string s, long n) when op == "*":
                return Repeat(s, n, at, evaluator);
            case (long n, string s) when op == "*":
                return Repeat(s, n, at, evaluator);
            default:
                throw Unsupported();
        }
    }

    private static string Repeat(string s, long count, TemplatePosition at, TemplateEvaluator evaluator) =>
        count <= 0 ? string.Empty
        : s.Length * count > MaxItems ? throw evaluator.Error(at, $"a repeated string of more than {MaxItems} characters")
        : string.Concat(Enumerable.Repeat(s, (int)count));

    private static bool Contains(object? container, object? item, TemplatePosition at, TemplateEvaluator evaluator) => container switch
    {
        string s when item is string part => s.Contains(part, StringComparison.Ordinal),
        List<object?> list => list.Any(x => TemplateValues.Equals(x, item)),
        Dictionary<string, object?> dictionary => item is string key && dictionary.ContainsKey(key),
        TemplateNamespace ns => item is string key && ns.Attributes.ContainsKey(key),
        TemplateUndefined => false,
        _ => throw evaluator.Error(at, $"'in' needs a string, list or dict on the right, not a {TemplateValues.TypeName(container)}"),
    };

    public bool ApplyTest(string name, object? value, IReadOnlyList<object?> args, TemplatePosition at)
    {
        object? Arg() => args.Count > 0 ? args[0] : throw evaluator.Error(at, $"the test '{name}' needs an argument");
        return name switch
        {
            "defined" => value is not TemplateUndefined,
            "undefined" => value is TemplateUndefined,
            "none" => value is null,
            "string" => value is string,
            "number" => value is long or double,
            "integer" => value is long,
            "float" => value is double,
            "boolean" => value is bool,
            "true" => value is true,
            "false" => value is false,
            "mapping" => value is Dictionary<string, object?> or TemplateNamespace,
            "iterable" => value is List<object?> or Dictionary<string, object?> or string,
            "sequence" => value is List<object?> or Dictionary<string, object?> or string,
            "callable" => value is TemplateCallable,
            "odd" => value is long odd ? odd % 2 != 0 : throw evaluator.Error(at, "the test 'odd' needs an integer"),
            "even" => value is long even ? even % 2 == 0 : throw evaluator.Error(at, "the test 'even' needs an integer"),
            "divisibleby" => value is long dividend && Arg() is long divisor && divisor != 0 ? dividend % divisor == 0 : throw evaluator.Error(at, "the test 'divisibleby' needs integers"),
            "equalto" or "eq" or "==" or "sameas" => TemplateValues.Equals(value, Arg()),
            "ne" or "!=" => !TemplateValues.Equals(value, Arg()),
            "lt" or "<" => (TemplateValues.Compare(value, Arg()) ?? throw evaluator.Error(at, "cannot compare")) < 0,
            "le" or "<=" => (TemplateValues.Compare(value, Arg()) ?? throw evaluator.Error(at, "cannot compare")) <= 0,
            "gt" or ">" => (TemplateValues.Compare(value, Arg()) ?? throw evaluator.Error(at, "cannot compare")) > 0,
            "ge" or ">=" => (TemplateValues.Compare(value, Arg()) ?? throw evaluator.Error(at, "cannot compare")) >= 0,
            "in" => Contains(Arg(), value, at, evaluator),
            "lower" => value is string lower && lower == lower.ToLowerInvariant(),
            "upper" => value is string upper && upper == upper.ToUpperInvariant(),
            _ => throw evaluator.Error(at, $"the test '{name}' is not supported"),
        };
    }

    public object? ApplyFilter(string name, object? value, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> keyword, TemplatePosition at)
    {
        object? Arg(int index, string keywordName, object? whenMissing) =>
            index < args.Count ? args[index] : keyword.TryGetValue(keywordName, out var named) ? named : whenMissing;
        ChatTemplateException Wrong() => evaluator.Error(at, $"the filter '{name}' cannot take a {TemplateValues.TypeName(value)}");

        switch (name)
        {
            case "trim":
                return value is string trimmed
                    ? (Arg(0, "chars", null) is string chars ? trimmed.Trim(chars.ToCharArray()) : PyStrip(trimmed, null, true, true))
                    : throw Wrong();
            case "length" or "count":
                return value switch
                {
                    string s => (long)s.Length,
                    List<object?> list => (long)list.Count,
                    Dictionary<string, object?> dictionary => (long)dictionary.Count,
                    TemplateUndefined => 0L,
                    _ => throw Wrong(),
                };
            case "tojson":
                var indent = Arg(0, "indent", null) switch
                {
                    null => (int?)null,
                    long l => (int)l,
                    _ => throw evaluator.Error(at, "tojson's indent must be an integer"),
                };
                try
                {
                    return TemplateValues.ToJson(value, indent, TemplateValues.IsTrue(Arg(1, "sort_keys", false)));
                }
                catch (InvalidOperationException e)
                {
                    throw evaluator.Error(at, e.Message);
                }

            case "string":
                return TemplateValues.ToText(value);
            case "upper":
                return value is string up ? up.ToUpperInvariant() : throw Wrong();
            case "lower":
                return value is string low ? low.ToLowerInvariant() : throw Wrong();
            case "capitalize":
                return value is string cap ? Capitalize(cap) : throw Wrong();
            case "title":
                return value is string title ? Title(title) : throw Wrong();
            case "default" or "d":
                var fallback = Arg(0, "default_value", string.Empty);
                var boolean = TemplateValues.IsTrue(Arg(1, "boolean", false));
                return value is TemplateUndefined || (boolean && !TemplateValues.IsTrue(value)) ? fallback : value;
            case "join":
                var separator = TemplateValues.ToText(Arg(0, "d", string.Empty));
                var attribute = Arg(1, "attribute", null) as string;
                var parts = Iterate(value, at, name).Select(item => attribute is null ? item : GetAttribute(item, attribute, at));
                return string.Join(separator, parts.Select(TemplateValues.ToText));
            case "items":
                return value switch
                {
                    Dictionary<string, object?> dictionary => dictionary.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList(),
                    TemplateUndefined => new List<object?>(),
                    _ => throw Wrong(),
                };
            case "list":
                return Iterate(value, at, name).ToList();
            case "first":
                return Iterate(value, at, name).Cast<object?>().DefaultIfEmpty(TemplateUndefined.Instance).First();
            case "last":
                var all = Iterate(value, at, name).ToList();
                return all.Count > 0 ? all[^1] : TemplateUndefined.Instance;
            case "reverse":
                return value is string rs ? new string(rs.Reverse().ToArray()) : Iterate(value, at, name).Reverse().ToList();
            case "int":
                return value switch
                {
                    long l => l,
                    double d => (long)Math.Truncate(d),
                    bool b => b ? 1L : 0L,
                    string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) => parsed,
                    _ => Arg(0, "default", 0L),
                };
            case "float":
                return value switch
                {
                    long l => (double)l,
                    double d => d,
                    string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
                    _ => Arg(0, "default", 0.0),
                };
            case "abs":
                return value switch { long l => (object)Math.Abs(l), double d => Math.Abs(d), _ => throw Wrong() };
            case "round":
                var digits = (int)(Arg(0, "precision", 0L) as long? ?? 0);
                return value is long or double ? Math.Round(TemplateValues.ToDouble(value), digits, MidpointRounding.ToEven) : throw Wrong();
            case "replace":
                return value is string text && Arg(0, "old", null) is string old && Arg(1, "new", null) is string replacement
                    ? PyReplace(text, old, replacement, Arg(2, "count", -1L) as long? ?? -1)
                    : throw Wrong();
            case "safe" or "e" or "escape" when value is string || name == "safe":
                return name == "safe" ? value : throw evaluator.Error(at, "the filter 'escape' is not supported (chat templates render without autoescape)");
            case "indent":
                return value is string block ? Indent(block, Arg(0, "width", 4L), TemplateValues.IsTrue(Arg(1, "first", false)), TemplateValues.IsTrue(Arg(2, "blank", false))) : throw Wrong();
            case "selectattr" or "rejectattr":
                var key = Arg(0, "attribute", null) as string ?? throw evaluator.Error(at, $"{name} needs an attribute name");
                var keep = name == "selectattr";
                return Iterate(value, at, name).Where(item =>
                {
                    var attributeValue = GetAttribute(item, key, at);
                    var passes = args.Count > 1
                        ? ApplyTest(args[1] as string ?? throw evaluator.Error(at, $"{name}'s test must be a name"), attributeValue, args.Skip(2).ToList(), at)
                        : TemplateValues.IsTrue(attributeValue);
                    return passes == keep;
                }).ToList();
            case "select" or "reject":
                var wanted = name == "select";
                return Iterate(value, at, name).Where(item =>
                    (args.Count > 0
                        ? ApplyTest(args[0] as string ?? throw evaluator.Error(at, $"{name}'s test must be a name"), item, args.Skip(1).ToList(), at)
                        : TemplateValues.IsTrue(item)) == wanted).ToList();
            case "map":
                if (keyword.TryGetValue("attribute", out var mapped) && mapped is string mapAttribute)
                {
                    return Iterate(value, at, name).Select(item => GetAttribute(item, mapAttribute, at)).ToList();
                }

                var filterName = args.Count > 0 && args[0] is string f ? f : throw evaluator.Error(at, "map needs a filter name or attribute=");
                return Iterate(value, at, name).Select(item => ApplyFilter(filterName, item, args.Skip(1).ToList(), NoKeywords, at)).ToList();
            case "unique":
                var seen = new List<object?>();
                foreach (var item in Iterate(value, at, name))
                {
                    if (!seen.Any(s => TemplateValues.Equals(s, item)))
                    {
                        seen.Add(item);
                    }
                }

                return seen;
            case "sum":
                return Iterate(value, at, name).Aggregate((object?)0L, (total, item) => Binary("+", total, item, at, evaluator));
            case "wordcount":
                return value is string words ? (long)PySplit(words, null, -1).Count : throw Wrong();
            default:
                throw evaluator.Error(at, $"the filter '{name}' is not supported");
        }
    }

    private IEnumerable<object?> Iterate(object? value, TemplatePosition at, string what) => value switch
    {
        List<object?> list => list,
        Dictionary<string, object?> dictionary => dictionary.Keys,
        string s => s.Select(c => (object?)c.ToString()),
        TemplateUndefined => [],
        _ => throw evaluator.Error(at, $"'{what}' needs a list, not a {TemplateValues.TypeName(value)}"),
    };

    private TemplateCallable? DictionaryMethod(Dictionary<string, object?> dictionary, string name) => name switch
    {
        "items" => (_, _, _) => dictionary.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList(),
        "keys" => (_, _, _) => dictionary.Keys.Select(k => (object?)k).ToList(),
        "values" => (_, _, _) => dictionary.Values.ToList(),
        "get" => (args, _, at) => args.Count > 0 && args[0] is string key
            ? dictionary.TryGetValue(key, out var value) ? value : args.Count > 1 ? args[1] : null
            : throw evaluator.Error(at, "get() needs a string key"),
        _ => null,
    };

    private TemplateCallable? ListMethod(List<object?> list, string name) => name switch
    {
        "index" => (args, _, at) => args.Count == 1
            ? (long)list.FindIndex(x => TemplateValues.Equals(x, args[0])) is var i && i >= 0 ? i : throw evaluator.Error(at, "index(): the value is not in the list")
            : throw evaluator.Error(at, "index() takes one argument"),
        "count" => (args, _, _) => (long)list.Count(x => args.Count > 0 && TemplateValues.Equals(x, args[0])),
        _ => null,
    };

    private TemplateCallable? StringMethod(string s, string name)
    {
        string Text(IReadOnlyList<object?> args, int index, string method, TemplatePosition at) =>
            args.Count > index && args[index] is string text ? text : throw evaluator.Error(at, $"{method}() needs a string argument");
        string? Chars(IReadOnlyList<object?> args) => args.Count > 0 ? args[0] as string : null;
        bool Affix(IReadOnlyList<object?> args, TemplatePosition at, Func<string, bool> test) => args.Count > 0 && args[0] switch
        {
            string one => test(one),
            List<object?> many => many.Any(x => x is string text && test(text)),
            _ => throw evaluator.Error(at, "startswith()/endswith() take a string or a tuple of strings"),
        };

        return name switch
        {
            "startswith" => (args, _, at) => Affix(args, at, p => s.StartsWith(p, StringComparison.Ordinal)),
            "endswith" => (args, _, at) => Affix(args, at, p => s.EndsWith(p, StringComparison.Ordinal)),
            "strip" => (args, _, _) => PyStrip(s, Chars(args), true, true),
            "lstrip" => (args, _, _) => PyStrip(s, Chars(args), true, false),
            "rstrip" => (args, _, _) => PyStrip(s, Chars(args), false, true),
            "split" => (args, keyword, _) => PySplit(s, args.Count > 0 ? args[0] as string : keyword.GetValueOrDefault("sep") as string,
                args.Count > 1 && args[1] is long max ? max : keyword.GetValueOrDefault("maxsplit") as long? ?? -1),
            "replace" => (args, _, at) => PyReplace(s, Text(args, 0, "replace", at), Text(args, 1, "replace", at), args.Count > 2 && args[2] is long count ? count : -1),
            "upper" => (_, _, _) => s.ToUpperInvariant(),
            "lower" => (_, _, _) => s.ToLowerInvariant(),
            "title" => (_, _, _) => Title(s),
            "capitalize" => (_, _, _) => Capitalize(s),
            "find" => (args, _, at) => (long)s.IndexOf(Text(args, 0, "find", at), StringComparison.Ordinal),
            "count" => (args, _, at) => (long)CountOccurrences(s, Text(args, 0, "count", at)),
            "join" => (args, _, at) => string.Join(s, (args.Count > 0 && args[0] is List<object?> items ? items : throw evaluator.Error(at, "join() needs a list")).Select(TemplateValues.ToText)),
            "splitlines" => (_, _, _) => s.Split('\n').Select(line => (object?)line.TrimEnd('\r')).Take(s.EndsWith('\n') ? s.Split('\n').Length - 1 : int.MaxValue).ToList(),
            "isdigit" => (_, _, _) => s.Length > 0 && s.All(char.IsDigit),
            "isspace" => (_, _, _) => s.Length > 0 && s.All(char.IsWhiteSpace),
            _ => null,
        };
    }

    internal static string PyStrip(string s, string? chars, bool left, bool right)
    {
        bool Strips(char c) => chars is null ? char.IsWhiteSpace(c) : chars.Contains(c, StringComparison.Ordinal);
        var start = 0;
        var end = s.Length;
        while (left && start < end && Strips(s[start]))
        {
            start++;
        }

        while (right && end > start && Strips(s[end - 1]))
        {
            end--;
        }

        return s[start..end];
    }

    internal static List<object?> PySplit(string s, string? separator, long maxSplit)
    {
        var parts = new List<object?>();
        if (separator is null)
        {
            var i = 0;
            while (true)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i]))
                {
                    i++;
                }

                if (i >= s.Length)
                {
                    return parts;
                }

                if (maxSplit >= 0 && parts.Count == maxSplit)
                {
                    parts.Add(s[i..].TrimEnd());
                    return parts;
                }

                var start = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i]))
                {
                    i++;
                }

                parts.Add(s[start..i]);
            }
        }

        if (separator.Length == 0)
        {
            throw new ArgumentException("empty separator");
        }

        var from = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            var at = s.IndexOf(separator, from, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            parts.Add(s[from..at]);
            from = at + separator.Length;
        }

        parts.Add(s[from..]);
        return parts;
    }

    private static string PyReplace(string s, string old, string replacement, long count)
    {
        if (count < 0)
        {
            return old.Length == 0 ? string.Concat(s.Select(c => replacement + c)) + replacement : s.Replace(old, replacement, StringComparison.Ordinal);
        }

        var builder = new StringBuilder();
        var from = 0;
        for (var n = 0; n < count && old.Length > 0; n++)
        {
            var at = s.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            builder.Append(s, from, at - from).Append(replacement);
            from = at + old.Length;
        }

        return builder.Append(s, from, s.Length - from).ToString();
    }

    private static int CountOccurrences(string s, string part)
    {
        if (part.Length == 0)
        {
            return s.Length + 1;
        }

        var count = 0;
        for (var at = s.IndexOf(part, StringComparison.Ordinal); at >= 0; at = s.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    private static string Title(string s)
    {
        var builder = new StringBuilder(s.Length);
        var previousIsLetter = false;
        foreach (var c in s)
        {
            builder.Append(previousIsLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousIsLetter = char.IsLetter(c);
        }

        return builder.ToString();
    }

    private static string Indent(string s, object? width, bool first, bool blank)
    {
        var pad = width switch { long n => new string(' ', (int)n), string text => text, _ => "    " };
        var lines = s.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if ((i > 0 || first) && (blank || lines[i].Length > 0))
            {
                lines[i] = pad + lines[i];
            }
        }

        return string.Join('\n', lines);
    }

    private string Strftime(DateTimeOffset now, string format, TemplatePosition at)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                builder.Append(format[i]);
                continue;
            }

            var c = format[++i];
            builder.Append(c switch
            {
                'd' => now.ToString("dd", CultureInfo.InvariantCulture),
                'm' => now.ToString("MM", CultureInfo.InvariantCulture),
                'Y' => now.ToString("yyyy", CultureInfo.InvariantCulture),
                'y' => now.ToString("yy", CultureInfo.InvariantCulture),
                'H' => now.ToString("HH", CultureInfo.InvariantCulture),
                'M' => now.ToString("mm", CultureInfo.InvariantCulture),
                'S' => now.ToString("ss", CultureInfo.InvariantCulture),
                'b' => now.ToString("MMM", CultureInfo.InvariantCulture),
                'B' => now.ToString("MMMM", CultureInfo.InvariantCulture),
                'a' => now.ToString("ddd", CultureInfo.InvariantCulture),
                'A' => now.ToString("dddd", CultureInfo.InvariantCulture),
                'j' => now.DayOfYear.ToString("000", CultureInfo.InvariantCulture),
                '%' => "%",
                _ => throw evaluator.Error(at, $"strftime_now: the directive %{c} is not supported"),
            });
        }

        return builder.ToString();
    }
}
