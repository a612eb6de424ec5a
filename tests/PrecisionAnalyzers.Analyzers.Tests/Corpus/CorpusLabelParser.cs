using System.Text.RegularExpressions;

namespace PrecisionAnalyzers.Analyzers.Tests.Corpus;

/// <summary>
/// Reads the labels of a corpus case: every <c>//!</c> or <c>//~</c> marker on a line, followed by one or more rule IDs
/// separated by spaces, then an optional reason. A line may hold both kinds (<c>//! PREC004 //~ PREC002 reason</c>).
/// </summary>
internal static partial class CorpusLabelParser
{
    [GeneratedRegex(@"//(?<kind>[!~])(?<body>(?:(?!//[!~]).)*)")]
    private static partial Regex Marker();

    [GeneratedRegex(@"^PREC\d{3}$")]
    private static partial Regex RuleId();

    public static IReadOnlyList<CorpusLabel> Parse(string text)
    {
        var labels = new List<CorpusLabel>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            foreach (Match marker in Marker().Matches(lines[i]))
            {
                var words = marker.Groups["body"].Value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var rules = words.TakeWhile(w => RuleId().IsMatch(w)).ToArray();
                if (rules.Length == 0)
                {
                    throw new FormatException($"line {i + 1}: a label names no rule: '{marker.Value.Trim()}'");
                }

                var reason = string.Join(' ', words.Skip(rules.Length));
                labels.AddRange(rules.Select(rule => new CorpusLabel(i + 1, rule, marker.Groups["kind"].Value == "!", reason)));
            }
        }

        return labels;
    }
}
