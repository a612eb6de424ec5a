using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using PrecisionAnalyzers.Analyzers;

namespace PrecisionAnalyzers.CodeFixes;

/// <summary>PREC005: replaces <c>DType.BFloat16</c> with <c>DType.Auto</c>, which the runtime plans per GPU.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PREC005BFloat16OnCudaCodeFix)), Shared]
public sealed class PREC005BFloat16OnCudaCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.BFloat16OnCuda);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override Task RegisterCodeFixesAsync(CodeFixContext context) =>
        MemberNameReplacement.RegisterAsync(context, _ => ("BFloat16", "Auto"), "Use DType.Auto (BF16 where the GPU runs it)", RuleIdentifiers.BFloat16OnCuda, MemberNameReplacement.WhereChosen);
}
