using System.Collections;
using System.Globalization;
using System.Text;

namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>
/// The values a template works on and Python's rules for them: <c>null</c> is None, <see cref="TemplateUndefined"/>,
/// <see cref="bool"/>, <see cref="long"/>, <see cref="double"/>, <see cref="string"/>, <see cref="List{T}"/> of values,
/// <see cref="Dictionary{TKey,TValue}"/> from string keys (insertion order), <see cref="TemplateNamespace"/>,
/// <see cref="TemplateCallable"/>.
/// </summary>
internal static class TemplateValues
{
    /// <summary>Turns caller values (strings, numbers, lists, dictionaries, <see cref="ChatMessage"/>) into template values.</summary>
    public static object? FromClr(object? value) => value switch
    {
        null => null,
        string or bool or long or double or TemplateUndefined or TemplateNamespace or TemplateCallable => value,
        int i => (long)i,
        float f => (double)f,
        decimal m => (double)m,
        ChatMessage message => message.ToTemplateValue(),
        IDictionary<string, object?> dictionary => dictionary.ToDictionary(p => p.Key, p => FromClr(p.Value), StringComparer.Ordinal),
        IReadOnlyDictionary<string, object?> dictionary => dictionary.ToDictionary(p => p.Key, p => FromClr(p.Value), StringComparer.Ordinal),
        IDictionary dictionary => dictionary.Keys.Cast<object>().ToDictionary(k => Convert.ToString(k, CultureInfo.InvariantCulture)!, k => FromClr(dictionary[k]), StringComparer.Ordinal),
        IEnumerable items => items.Cast<object?>().Select(FromClr).ToList(),
        _ => throw new ArgumentException($"a template cannot use a value of type {value.GetType().Name}"),
    };

    public static bool IsTrue(object? value) => value switch
    {
        null or TemplateUndefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        Dictionary<string, object?> dictionary => dictionary.Count > 0,
        _ => true,
    };

    /// <summary>Python's <c>str()</c>, as <c>{{ }}</c> and <c>~</c> render a value.</summary>
    public static string ToText(object? value) => value switch
    {
        string s => s,
        TemplateUndefined => string.Empty,
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr()</c>.</summary>
    public static string Repr(object? value) => value switch
    {
        null => "None",
        TemplateUndefined => string.Empty,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatText(d),
        string s => QuoteString(s),
        List<object?> list => "[" + string.Join(", ", list.Select(Repr)) + "]",
        Dictionary<string, object?> dictionary => "{" + string.Join(", ", dictionary.Select(p => QuoteString(p.Key) + ": " + Repr(p.Value))) + "}",
        TemplateNamespace => "<Namespace>",
        _ => "<function>",
    };

    public static string FloatText(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        var text = d.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }

    private static string QuoteString(string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var builder = new StringBuilder().Append(quote);
        foreach (var c in s)
        {
            builder.Append(c switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c == quote => "\\" + c,
                _ => c.ToString(),
            });
        }

        return builder.Append(quote).ToString();
    }

    public static string TypeName(object? value) => value switch
    {
        null => "none",
        TemplateUndefined => "undefined",
        bool => "boolean",
        long => "integer",
        double => "float",
        string => "string",
        List<object?> => "list",
        Dictionary<string, object?> => "dict",
        TemplateNamespace => "namespace",
        _ => "function",
    };

    public static bool IsNumber(object? value) => value is long or double;

    public static new bool Equals(object? left, object? right)
    {
        switch (left, right)
        {
            case (null, null):
            case (TemplateUndefined, TemplateUndefined):
                return true;
            case (bool a, bool b):
                return a == b;
            case (long a, long b):
                return a == b;
            case (long or double, long or double):
                return Convert.ToDouble(left, CultureInfo.InvariantCulture) == Convert.ToDouble(right, CultureInfo.InvariantCulture);
            case (string a, string b):
                return string.Equals(a, b, StringComparison.Ordinal);
            case (List<object?> a, List<object?> b):
                return a.Count == b.Count && a.Zip(b).All(p => Equals(p.First, p.Second));
            case (Dictionary<string, object?> a, Dictionary<string, object?> b):
                return a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && Equals(p.Value, v));
            default:
                return ReferenceEquals(left, right);
        }
    }

    /// <summary>Orders two numbers or two strings; null when they cannot be compared.</summary>
    public static int? Compare(object? left, object? right) => (left, right) switch
    {
        (long a, long b) => a.CompareTo(b),
        (long or double or bool, long or double or bool) => ToDouble(left).CompareTo(ToDouble(right)),
        (string a, string b) => string.CompareOrdinal(a, b),
        _ => null,
    };

    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new InvalidCastException(),
    };

    /// <summary><c>tojson</c>: JSON as Python's <c>json.dumps(ensure_ascii=False)</c> writes it.</summary>
    public static string ToJson(object? value, int? indent, bool sortKeys, int depth = 0)
    {
        switch (value)
        {
            case null or TemplateUndefined:
                return "null";
            case bool b:
                return b ? "true" : "false";
            case long l:
                return l.ToString(CultureInfo.InvariantCulture);
            case double d:
                return d.ToString("R", CultureInfo.InvariantCulture);
            case string s:
                return JsonString(s);
            case List<object?> list:
                return Container('[', ']', list.Select(item => ToJson(item, indent, sortKeys, depth + 1)).ToList(), indent, depth);
            case Dictionary<string, object?> or TemplateNamespace:
                var entries = value is TemplateNamespace ns ? ns.Attributes : (Dictionary<string, object?>)value;
                var pairs = sortKeys ? entries.OrderBy(p => p.Key, StringComparer.Ordinal) : (IEnumerable<KeyValuePair<string, object?>>)entries;
                return Container('{', '}', pairs.Select(p => JsonString(p.Key) + ": " + ToJson(p.Value, indent, sortKeys, depth + 1)).ToList(), indent, depth);
            default:
                throw new InvalidOperationException($"a {TypeName(value)} cannot be written as JSON");
        }
    }

    private static string Container(char open, char close, List<string> items, int? indent, int depth)
    {
        if (indent is not int width || items.Count == 0)
        {
            return open + string.Join(", ", items) + close;
        }

        var padding = "\n" + new string(' ', width * depth);
        var childPadding = padding + new string(' ', width);
        return open + childPadding + string.Join("," + childPadding, items) + padding + close;
    }

    private static string JsonString(string s)
    {
        var builder = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }
}
