using System.Globalization;
using PrecisionAnalyzers.Analyzers.Tests.Corpus;
using Xunit.Abstractions;

namespace PrecisionAnalyzers.Analyzers.Tests;

/// <summary>
/// The analyzers against hand-labelled reductions of real public TorchSharp and Microsoft.ML.GenAI code (Corpus/Cases;
/// docs/analyzer-corpus.md says how they were labelled). <c>PRECISION_WRITE_CORPUS_REPORT=path</c> writes the measured
/// table and the mistakes into that markdown file.
/// </summary>
public sealed class CorpusTests(ITestOutputHelper output)
{
    private const double PrecisionTarget = 0.90;
    private const double RecallTarget = 0.80;

    [Fact]
    public async Task Every_case_compiles_on_its_own()
    {
        var results = await CorpusRunner.Result;

        var errors = results.SelectMany(r => r.CompileErrors).ToArray();

        Assert.True(errors.Length == 0, "compile errors:\n" + string.Join('\n', errors));
        Assert.True(results.Count >= 20, $"only {results.Count} cases found under {CorpusRunner.Root}");
    }

    [Fact]
    public async Task No_analyzer_throws_on_any_case()
    {
        var results = await CorpusRunner.Result;

        var exceptions = results.SelectMany(r => r.AnalyzerExceptions.Select(e => $"{r.Case.Name}: {e}")).ToArray();

        Assert.True(exceptions.Length == 0, "analyzer exceptions:\n" + string.Join('\n', exceptions));
    }

    [Fact]
    public void Every_case_names_its_source_and_has_labels()
    {
        var cases = CorpusRunner.LoadCases();

        var withoutHeader = cases.Where(c => c.Source is null).Select(c => c.Name).ToArray();
        var withoutLabel = cases.Where(c => c.Labels.Count == 0).Select(c => c.Name).ToArray();
        var unknownRules = cases.SelectMany(c => c.Labels.Where(l => !CorpusScore.Rules.Contains(l.Rule)).Select(l => $"{c.Name}:{l.Line} {l.Rule}")).ToArray();

        Assert.True(withoutHeader.Length == 0, "no '// Reduced from https://github.com/OWNER/REPO/blob/COMMIT/PATH (licence: X).' header: " + string.Join(", ", withoutHeader));
        Assert.True(withoutLabel.Length == 0, "no label: " + string.Join(", ", withoutLabel));
        Assert.True(unknownRules.Length == 0, "labels of unknown rules: " + string.Join(", ", unknownRules));
    }

    [Fact]
    public async Task Precision_and_recall_on_the_corpus_meet_the_targets()
    {
        var results = await CorpusRunner.Result;
        var score = CorpusScore.Compute(results.Select(r => (r.Case, r.Diagnostics)));

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{results.Count} cases compiled and analysed in {CorpusRunner.RunTime.Wall.TotalSeconds:0.0} s ({CorpusRunner.RunTime.Cpu.TotalSeconds:0.0} s CPU)"));
        output.WriteLine(CorpusReport.Table(score));
        output.WriteLine(score.Mistakes());
        var reportPath = Environment.GetEnvironmentVariable("PRECISION_WRITE_CORPUS_REPORT");
        if (!string.IsNullOrEmpty(reportPath))
        {
            CorpusReport.Write(reportPath, CorpusReport.Markdown(results, score));
        }

        var summary = string.Create(CultureInfo.InvariantCulture, $"precision {score.Total.Precision:0.000} (target {PrecisionTarget}), recall {score.Total.Recall:0.000} (target {RecallTarget})");
        Assert.True(
            score.Total.Precision >= PrecisionTarget && score.Total.Recall >= RecallTarget,
            $"{summary}\n{CorpusReport.Table(score)}\n{score.Mistakes()}");
    }

    [Fact]
    public void The_label_parser_reads_both_kinds_several_rules_and_reasons()
    {
        const string text = """
            var a = 1; //! PREC001
            var b = 2; //~ PREC001 reloads what it saved
            var c = 3; //! PREC004 PREC002 //~ PREC001 the loader's default decides
            var d = 4;
            """;

        var labels = CorpusLabelParser.Parse(text);

        Assert.Equal(
            [
                new CorpusLabel(1, "PREC001", true, string.Empty),
                new CorpusLabel(2, "PREC001", false, "reloads what it saved"),
                new CorpusLabel(3, "PREC004", true, string.Empty),
                new CorpusLabel(3, "PREC002", true, string.Empty),
                new CorpusLabel(3, "PREC001", false, "the loader's default decides"),
            ],
            labels);
        Assert.Throws<FormatException>(() => CorpusLabelParser.Parse("var x = 1; //! because"));
    }

    [Fact]
    public void A_diagnostic_off_its_label_counts_as_a_false_positive_and_the_label_as_a_false_negative()
    {
        var corpusCase = new CorpusCase("X.cs", string.Empty, [new CorpusLabel(3, "PREC001", true, string.Empty), new CorpusLabel(9, "PREC002", true, string.Empty), new CorpusLabel(5, "PREC003", false, "no training"), new CorpusLabel(11, "PREC004", true, string.Empty)]);
        CorpusDiagnostic[] diagnostics =
        [
            new("X.cs", "PREC001", 2, 4, "spans the labelled line"),
            new("X.cs", "PREC002", 8, 8, "one line above its label"),
            new("X.cs", "PREC003", 5, 5, "on a not-finding"),
            new("X.cs", "PREC004", 12, 12, "its additional location is on the label") { AdditionalLines = [(11, 11)] },
        ];

        var score = CorpusScore.Compute([(corpusCase, diagnostics)]);

        Assert.Equal(new CorpusRuleScore("PREC001", 1, 0, 0, 0), score.PerRule.Single(r => r.Rule == "PREC001"));
        Assert.Equal(new CorpusRuleScore("PREC002", 0, 1, 1, 0), score.PerRule.Single(r => r.Rule == "PREC002"));
        Assert.Equal(new CorpusRuleScore("PREC003", 0, 1, 0, 1), score.PerRule.Single(r => r.Rule == "PREC003"));
        Assert.Equal(new CorpusRuleScore("PREC004", 1, 0, 0, 0), score.PerRule.Single(r => r.Rule == "PREC004"));
        Assert.Equal((2.0 / 4, 2.0 / 3), (score.Total.Precision, score.Total.Recall));
        Assert.Contains("FP X.cs:8 PREC002 one line above its label", score.Mistakes(), StringComparison.Ordinal);
        Assert.Contains("FN X.cs:9 PREC002 not reported", score.Mistakes(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mislabelled_snippet_run_through_the_analyzers_scores_one_false_positive_and_one_false_negative()
    {
        const string text = """
            // Reduced from https://github.com/example/example/blob/0000000000000000000000000000000000000000/x.cs (licence: MIT).
            using TorchSharp;
            static class Snippet
            {
                static void M()
                {
                    torch.set_default_dtype(torch.ScalarType.Float16);
                    var m = torch.nn.Linear(2, 2); //! PREC004 the label is one line too low
                }
            }
            """;
        var corpusCase = new CorpusCase("Snippet.cs", text, CorpusLabelParser.Parse(text));

        var result = Assert.Single(await CorpusRunner.RunAsync([corpusCase]));
        var score = CorpusScore.Compute([(result.Case, result.Diagnostics)]);

        Assert.Empty(result.CompileErrors);
        var prec004 = score.PerRule.Single(r => r.Rule == "PREC004");
        Assert.Equal((0, 1, 1), (prec004.TruePositives, prec004.FalsePositives, prec004.FalseNegatives));
        Assert.Contains("FP Snippet.cs:7 PREC004", score.Mistakes(), StringComparison.Ordinal);
        Assert.Contains("FN Snippet.cs:8 PREC004", score.Mistakes(), StringComparison.Ordinal);
    }
}
