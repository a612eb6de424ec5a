namespace PrecisionAnalyzers.Analyzers.Tests.Corpus;

/// <summary>
/// The analyzers' score against the labels. A diagnostic is a true positive when a <c>//!</c> label of its rule is on a
/// line its span covers; any other diagnostic is a false positive; a <c>//!</c> label that no diagnostic of its rule
/// covers is a false negative. TP counts labels matched (several diagnostics on one label count once, and are not false
/// positives).
/// </summary>
internal sealed class CorpusScore
{
    public static readonly string[] Rules = ["PREC001", "PREC002", "PREC003", "PREC004", "PREC005"];

    private CorpusScore(IReadOnlyList<CorpusRuleScore> perRule, IReadOnlyList<CorpusDiagnostic> falsePositives, IReadOnlyList<(string File, CorpusLabel Label)> falseNegatives)
    {
        PerRule = perRule;
        FalsePositives = falsePositives;
        FalseNegatives = falseNegatives;
        Total = new CorpusRuleScore("all", perRule.Sum(r => r.TruePositives), perRule.Sum(r => r.FalsePositives), perRule.Sum(r => r.FalseNegatives), perRule.Sum(r => r.Negatives));
    }

    public IReadOnlyList<CorpusRuleScore> PerRule { get; }

    public CorpusRuleScore Total { get; }

    public IReadOnlyList<CorpusDiagnostic> FalsePositives { get; }

    public IReadOnlyList<(string File, CorpusLabel Label)> FalseNegatives { get; }

    public static CorpusScore Compute(IEnumerable<(CorpusCase Case, IReadOnlyList<CorpusDiagnostic> Diagnostics)> results)
    {
        var tp = new Dictionary<string, int>();
        var fp = new Dictionary<string, int>();
        var fn = new Dictionary<string, int>();
        var negatives = new Dictionary<string, int>();
        var falsePositives = new List<CorpusDiagnostic>();
        var falseNegatives = new List<(string, CorpusLabel)>();
        foreach (var (corpusCase, diagnostics) in results)
        {
            var findings = corpusCase.Labels.Where(l => l.IsFinding).ToArray();
            foreach (var label in corpusCase.Labels.Where(l => !l.IsFinding))
            {
                negatives[label.Rule] = negatives.GetValueOrDefault(label.Rule) + 1;
            }

            foreach (var diagnostic in diagnostics)
            {
                var inCase = diagnostic.File == corpusCase.Name;
                if (!inCase || !findings.Any(l => l.Rule == diagnostic.Rule && diagnostic.Covers(l.Line)))
                {
                    fp[diagnostic.Rule] = fp.GetValueOrDefault(diagnostic.Rule) + 1;
                    falsePositives.Add(diagnostic);
                }
            }

            foreach (var label in findings)
            {
                if (diagnostics.Any(d => d.File == corpusCase.Name && d.Rule == label.Rule && d.Covers(label.Line)))
                {
                    tp[label.Rule] = tp.GetValueOrDefault(label.Rule) + 1;
                }
                else
                {
                    fn[label.Rule] = fn.GetValueOrDefault(label.Rule) + 1;
                    falseNegatives.Add((corpusCase.Name, label));
                }
            }
        }

        var rules = Rules.Concat(tp.Keys).Concat(fp.Keys).Concat(fn.Keys).Concat(negatives.Keys).Distinct().Order(StringComparer.Ordinal);
        var perRule = rules.Select(r => new CorpusRuleScore(r, tp.GetValueOrDefault(r), fp.GetValueOrDefault(r), fn.GetValueOrDefault(r), negatives.GetValueOrDefault(r))).ToArray();
        return new CorpusScore(perRule, falsePositives, falseNegatives);
    }

    /// <summary>Every false positive and false negative, one per line: <c>file:line RULE message</c>.</summary>
    public string Mistakes()
    {
        var lines = FalsePositives.Select(d => $"FP {d}")
            .Concat(FalseNegatives.Select(f => $"FN {f.File}:{f.Label.Line} {f.Label.Rule} {(f.Label.Reason.Length == 0 ? "not reported" : f.Label.Reason)}"));
        return string.Join('\n', lines);
    }
}
