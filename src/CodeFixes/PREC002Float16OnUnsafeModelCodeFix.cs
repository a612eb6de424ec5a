using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using PrecisionAnalyzers.Analyzers;
using PrecisionAnalyzers.Analyzers.Rules;

namespace PrecisionAnalyzers.CodeFixes;

/// <summary>
/// PREC002: switches FP16 to BF16 as the diagnostic says (<see cref="PREC002Float16OnUnsafeModelAnalyzer.FromProperty"/> →
/// <see cref="PREC002Float16OnUnsafeModelAnalyzer.ToProperty"/>): <c>DType.Float16</c> → <c>DType.BFloat16</c>,
/// <c>ScalarType.Float16</c> → <c>ScalarType.BFloat16</c>, <c>torch.float16</c>/<c>torch.half</c> → <c>torch.bfloat16</c>,
/// <c>.half()</c> → <c>.bfloat16()</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PREC002Float16OnUnsafeModelCodeFix)), Shared]
public sealed class PREC002Float16OnUnsafeModelCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.Float16OnUnsafeModel);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override Task RegisterCodeFixesAsync(CodeFixContext context) =>
        MemberNameReplacement.RegisterAsync(context, Names, "Use BFloat16 (same memory, FP32's range)", RuleIdentifiers.Float16OnUnsafeModel, MemberNameReplacement.WhereChosen);

    private static (string From, string To)? Names(Diagnostic diagnostic) =>
        diagnostic.Properties.TryGetValue(PREC002Float16OnUnsafeModelAnalyzer.FromProperty, out var from) && from is not null
        && diagnostic.Properties.TryGetValue(PREC002Float16OnUnsafeModelAnalyzer.ToProperty, out var to) && to is not null
            ? (from, to)
            : null;
}
