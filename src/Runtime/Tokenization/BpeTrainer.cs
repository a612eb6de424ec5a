using System.Text;
using System.Text.RegularExpressions;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// A tiny, deterministic byte-level BPE trainer: splits text as GPT-2 does, counts words, and repeatedly
/// merges the most frequent adjacent pair (ties broken by ordinal order of the pair). Enough for demo models.
/// </summary>
internal static class BpeTrainer
{
    /// <summary>GPT-2's pre-tokenizer pattern: the words the trainer counts.</summary>
    private const string Gpt2Pattern =
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>
    /// Learns merges, each as (left, right) in byte-level form, until they have made <paramref name="newTokenCount"/>
    /// distinct new tokens or no pair is left. Two merges can make the same token (ab+c, a+bc); both are kept.
    /// </summary>
    public static IReadOnlyList<(string Left, string Right)> Learn(string text, int newTokenCount)
    {
        var wordCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match match in Regex.Matches(text, Gpt2Pattern, RegexOptions.CultureInvariant))
        {
            var word = ByteLevelAlphabet.Encode(Encoding.UTF8.GetBytes(match.Value));
            wordCounts[word] = wordCounts.GetValueOrDefault(word) + 1;
        }

        // Each distinct word as its current list of symbols, in a fixed (ordinal) order.
        var words = wordCounts.OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => (Symbols: w.Key.Select(c => c.ToString()).ToList(), Count: w.Value))
            .ToList();

        var merges = new List<(string, string)>(newTokenCount);
        var made = new HashSet<string>(StringComparer.Ordinal);
        while (made.Count < newTokenCount)
        {
            var pairCounts = new Dictionary<(string, string), int>();
            foreach (var (symbols, count) in words)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    var pair = (symbols[i], symbols[i + 1]);
                    pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + count;
                }
            }

            if (pairCounts.Count == 0)
            {
                break;
            }

            var best = pairCounts
                .OrderByDescending(p => p.Value)
                .ThenBy(p => p.Key.Item1, StringComparer.Ordinal)
                .ThenBy(p => p.Key.Item2, StringComparer.Ordinal)
                .First().Key;
            merges.Add(best);
            var merged = best.Item1 + best.Item2;
            if (merged.Length > 1)
            {
                made.Add(merged);
            }
            foreach (var (symbols, _) in words)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] == best.Item1 && symbols[i + 1] == best.Item2)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
                }
            }
        }

        return merges;
    }
}
