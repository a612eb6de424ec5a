using Microsoft.CodeAnalysis.Diagnostics;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// The frame every rule shares: concurrent, generated code skipped, the runtime's and TorchSharp's symbols resolved once per
/// compilation, and nothing registered when the rule cannot apply (so projects without the libraries pay nothing).
/// </summary>
public abstract class PrecisionAnalyzer : DiagnosticAnalyzer
{
    public sealed override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var precision = PrecisionContext.Create(start.Compilation);
            if (Applies(precision))
            {
                Register(start, precision);
            }
        });
    }

    /// <summary>Whether the rule can apply in this compilation (the symbols it needs are referenced).</summary>
    internal abstract bool Applies(PrecisionContext precision);

    /// <summary>Registers the rule's actions for one compilation.</summary>
    internal abstract void Register(CompilationStartAnalysisContext start, PrecisionContext precision);
}
