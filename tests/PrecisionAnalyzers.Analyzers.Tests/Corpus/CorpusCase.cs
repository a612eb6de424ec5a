using System.Text.RegularExpressions;

namespace PrecisionAnalyzers.Analyzers.Tests.Corpus;

/// <summary>A labelled reproduction of a real file: its name (path under Cases/), text, source header and labels.</summary>
internal sealed partial record CorpusCase(string Name, string Text, IReadOnlyList<CorpusLabel> Labels)
{
    [GeneratedRegex(@"^// Reduced from (?<url>https://github\.com/(?<repo>[^/\s]+/[^/\s]+)/blob/(?<commit>[0-9a-f]{40})/\S+) \(licence: (?<licence>[^)]+)\)\.", RegexOptions.Multiline)]
    private static partial Regex Header();

    /// <summary>The source header's parts, or null when the case has none.</summary>
    public (string Url, string Repository, string Commit, string Licence)? Source
    {
        get
        {
            var match = Header().Match(Text);
            return match.Success ? (match.Groups["url"].Value, match.Groups["repo"].Value, match.Groups["commit"].Value, match.Groups["licence"].Value) : null;
        }
    }

    public static CorpusCase Load(string root, string path)
    {
        var text = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        var name = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
        return new CorpusCase(name, text, CorpusLabelParser.Parse(text));
    }
}
