using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using PrecisionAnalyzers.Analyzers;

namespace PrecisionAnalyzers.CodeFixes;

/// <summary>PREC002: replaces <c>DType.Float16</c> with <c>DType.BFloat16</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PREC002Float16OnUnsafeModelCodeFix)), Shared]
public sealed class PREC002Float16OnUnsafeModelCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.Float16OnUnsafeModel);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override Task RegisterCodeFixesAsync(CodeFixContext context) =>
        MemberNameReplacement.RegisterAsync(context, "Float16", "BFloat16", "Use BFloat16 (same memory, FP32's range)", RuleIdentifiers.Float16OnUnsafeModel);
}
