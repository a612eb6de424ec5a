using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// Screens the regular expressions of a tokenizer.json (<c>{"Regex": …}</c> patterns of Split pre-tokenizers and Replace
/// normalizers and decoders) before Hugging Face's Rust library compiles them. That library runs them with Oniguruma, a
/// backtracking engine with a retry limit; past the limit the library panics and the panic aborts the whole process (measured:
/// <c>(a+)+$</c> on 24 a's and a '!' ends it with SIGABRT, exit 134). Empty matches are not a danger there: Split and
/// Replace step over them (measured with <c>""</c>, <c>x*</c> and <c>(?=l)</c> under every Split behaviour).
/// <para>
/// The screen refuses, before anything runs, the shapes that backtrack exponentially or polynomially: an unbounded
/// repeat of something that itself repeats without bound (<c>(a+)+</c>, <c>(a*)*</c>) or of an alternation
/// (<c>(a|aa)+</c>), and three or more unbounded repeats in sequence (<c>\s*\s*\s*x</c>). A bound of more than
/// <see cref="LargeBound"/> counts as unbounded; a possessive repeat (<c>a++</c>) does not backtrack and does not count. Every
/// pattern of the tokenizers the runtime is tested with passes (GPT-2's, Llama 3's, Qwen's, the SentencePiece conversion's).
/// </para>
/// </summary>
internal static class RegexPatternScreen
{
    /// <summary>The longest pattern accepted.</summary>
    public const int MaxPatternLength = 4096;

    /// <summary>A repeat bound above this is treated as unbounded.</summary>
    public const int LargeBound = 64;

    /// <summary>Checks every regex of <paramref name="definition"/> outside the vocabulary; a <see cref="TokenizerException"/> names the first refused.</summary>
    public static void Check(JsonObject definition, string path)
    {
        foreach (var (name, node) in definition)
        {
            if (name is not ("model" or "added_tokens") && node is not null)
            {
                Visit(node, name, path);
            }
        }
    }

    /// <summary>Why <paramref name="pattern"/> is refused, or null when it is accepted.</summary>
    public static string? Problem(string pattern)
    {
        if (pattern.Length > MaxPatternLength)
        {
            return $"is {pattern.Length} characters long (at most {MaxPatternLength})";
        }

        var position = 0;
        try
        {
            var (_, degree, _) = Alternation(pattern, ref position);
            if (position < pattern.Length)
            {
                return null; // an unbalanced ')': Hugging Face's own compile error says so
            }

            return degree >= 3 ? "has three or more unbounded repeats in a row, which backtrack polynomially (as \\s*\\s*\\s*x)" : null;
        }
        catch (RefusedPattern refused)
        {
            return refused.Message;
        }
    }

    private static void Visit(JsonNode node, string where, string path)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["Regex"] is { } regex && where.EndsWith("pattern", StringComparison.Ordinal))
                {
                    var pattern = regex is JsonValue v && v.TryGetValue<string>(out var text)
                        ? text
                        : throw new TokenizerException(path, $"{where}.Regex must be a string, found {regex.ToJsonString()}");
                    if (Problem(pattern) is { } problem)
                    {
                        throw new TokenizerException(
                            path, $"the regular expression of {where} {problem}; Hugging Face tokenizers' engine would give up on it in the middle of encoding and end the process: \"{pattern}\"");
                    }
                }

                foreach (var (name, child) in o)
                {
                    if (child is not null)
                    {
                        Visit(child, where + "." + name, path);
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is { } child)
                    {
                        Visit(child, $"{where}[{i}]", path);
                    }
                }

                break;
        }
    }

    // (repeats without bound anywhere, unbounded repeats in sequence, has an alternation) for a|b|c up to ')' or the end.
    private static (bool Unbounded, int Degree, bool Alternation) Alternation(string p, ref int i)
    {
        var (unbounded, degree, branches) = (false, 0, 1);
        while (true)
        {
            var (u, d) = Sequence(p, ref i);
            unbounded |= u;
            degree = Math.Max(degree, d);
            if (i < p.Length && p[i] == '|')
            {
                i++;
                branches++;
                continue;
            }

            return (unbounded, degree, branches > 1);
        }
    }

    private static (bool Unbounded, int Degree) Sequence(string p, ref int i)
    {
        var (unbounded, degree) = (false, 0);
        while (i < p.Length && p[i] is not ('|' or ')'))
        {
            var (atomUnbounded, atomDegree, atomAlternation) = Atom(p, ref i);
            var (_, max, possessive) = Quantifier(p, ref i);
            var repeatsWithoutBound = max > LargeBound && !possessive;
            if (repeatsWithoutBound && atomUnbounded)
            {
                throw new RefusedPattern("repeats without bound something that itself repeats without bound (as (a+)+), which backtracks exponentially");
            }

            if (repeatsWithoutBound && atomAlternation)
            {
                throw new RefusedPattern("repeats an alternation without bound (as (a|aa)+), which can backtrack exponentially");
            }

            unbounded |= atomUnbounded || repeatsWithoutBound;
            degree += repeatsWithoutBound ? 1 : atomDegree * Math.Min(max, 3);
        }

        return (unbounded, degree);
    }

    private static (bool Unbounded, int Degree, bool Alternation) Atom(string p, ref int i)
    {
        switch (p[i])
        {
            case '\\':
                i += 2;
                if (i - 1 < p.Length && p[i - 1] is 'p' or 'P' or 'x' or 'u' or 'k' or 'g' && i < p.Length && p[i] is '{' or '<')
                {
                    var close = p.IndexOfAny(['}', '>'], i);
                    i = close < 0 ? p.Length : close + 1;
                }

                return (false, 0, false);
            case '[':
                SkipClass(p, ref i);
                return (false, 0, false);
            case '(':
                i++;
                if (i < p.Length && p[i] == '?')
                {
                    i++;
                    var letters = i;
                    while (letters < p.Length && (char.IsAsciiLetter(p[letters]) || p[letters] == '-'))
                    {
                        letters++;
                    }

                    if (i < p.Length && p[i] == '#' || letters < p.Length && letters > i && p[letters] == ')')
                    {
                        // A comment (?#…) or inline options (?i): nothing to repeat.
                        var close = p.IndexOf(')', i);
                        i = close < 0 ? p.Length : close + 1;
                        return (false, 0, false);
                    }

                    if (letters < p.Length && letters > i && p[letters] == ':' && p[i] != 'P')
                    {
                        i = letters + 1; // (?i:…)
                    }
                    else if (i < p.Length && p[i] is ':' or '=' or '!' or '>')
                    {
                        i++;
                    }
                    else if (i + 1 < p.Length && p[i] == '<' && p[i + 1] is '=' or '!')
                    {
                        i += 2;
                    }
                    else
                    {
                        // A named group: (?<name>…), (?P<name>…), (?'name'…).
                        var close = p.IndexOfAny(['>', '\''], i + 2 < p.Length ? i + 2 : p.Length);
                        i = close < 0 ? p.Length : close + 1;
                    }
                }

                var group = Alternation(p, ref i);
                if (i < p.Length && p[i] == ')')
                {
                    i++;
                }

                return group;
            default:
                i++;
                return (false, 0, false);
        }
    }

    private static void SkipClass(string p, ref int i)
    {
        i++;
        if (i < p.Length && p[i] == '^')
        {
            i++;
        }

        if (i < p.Length && p[i] == ']')
        {
            i++;
        }

        while (i < p.Length && p[i] != ']')
        {
            if (p[i] == '\\')
            {
                i += 2;
            }
            else if (p[i] == '[')
            {
                SkipClass(p, ref i);
            }
            else
            {
                i++;
            }
        }

        i++;
    }

    // The repeat after an atom: (min, max, possessive); max int.MaxValue for no bound; (1, 1) when there is none.
    private static (int Min, int Max, bool Possessive) Quantifier(string p, ref int i)
    {
        if (i >= p.Length)
        {
            return (1, 1, false);
        }

        (int, int) bounds;
        switch (p[i])
        {
            case '*':
                bounds = (0, int.MaxValue);
                i++;
                break;
            case '+':
                bounds = (1, int.MaxValue);
                i++;
                break;
            case '?':
                bounds = (0, 1);
                i++;
                break;
            case '{' when Braces(p, i) is var (min, max, end) && end > 0:
                bounds = (min, max);
                i = end;
                break;
            default:
                return (1, 1, false);
        }

        var possessive = false;
        if (i < p.Length && p[i] == '?')
        {
            i++;
        }
        else if (i < p.Length && p[i] == '+')
        {
            possessive = true;
            i++;
        }

        return (bounds.Item1, bounds.Item2, possessive);
    }

    // {n}, {n,}, {n,m}, {,m}: (min, max, index after '}'), or end 0 when the brace is a literal.
    private static (int Min, int Max, int End) Braces(string p, int i)
    {
        var close = p.IndexOf('}', i);
        if (close < 0)
        {
            return (0, 0, 0);
        }

        var body = p.AsSpan(i + 1, close - i - 1);
        var comma = body.IndexOf(',');
        static int? Number(ReadOnlySpan<char> s) => s.Length == 0 ? null : int.TryParse(s, out var n) ? n : int.MaxValue;
        if (comma < 0)
        {
            return Number(body) is int exact && body.Length > 0 && IsDigits(body) ? (exact, exact, close + 1) : (0, 0, 0);
        }

        var low = body[..comma];
        var high = body[(comma + 1)..];
        if (!IsDigits(low) || !IsDigits(high) || (low.Length == 0 && high.Length == 0))
        {
            return (0, 0, 0);
        }

        return (Number(low) ?? 0, Number(high) ?? int.MaxValue, close + 1);
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class RefusedPattern(string message) : Exception(message);
}
