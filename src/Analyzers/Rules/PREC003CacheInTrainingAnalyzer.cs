using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers.Rules;

/// <summary>
/// PREC003: <c>UseCache = true</c> (in an initializer, an assignment or a <c>with</c>) in a method that also trains:
/// <c>Train()</c>/<c>train()</c>, <c>backward()</c>, or an optimizer's <c>step()</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PREC003CacheInTrainingAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RuleDescriptors.CacheInTraining);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var precision = PrecisionContext.Create(start.Compilation);
            if (precision.LoadOptionsUseCache is null && precision.ModelUseCache is null)
            {
                return;
            }

            start.RegisterOperationBlockStartAction(block =>
            {
                var enabled = new ConcurrentBag<IOperation>();
                var trains = 0;
                block.RegisterOperationAction(
                    c =>
                    {
                        var assignment = (ISimpleAssignmentOperation)c.Operation;
                        if (assignment.Target is IPropertyReferenceOperation property
                            && (SymbolEqualityComparer.Default.Equals(property.Property, precision.LoadOptionsUseCache) || SymbolEqualityComparer.Default.Equals(property.Property, precision.ModelUseCache))
                            && Unwrap(assignment.Value) is { ConstantValue: { HasValue: true, Value: true } } value)
                        {
                            enabled.Add(value);
                        }
                    },
                    OperationKind.SimpleAssignment);
                block.RegisterOperationAction(
                    c =>
                    {
                        if (precision.IsTraining(((IInvocationOperation)c.Operation).TargetMethod))
                        {
                            System.Threading.Interlocked.Increment(ref trains);
                        }
                    },
                    OperationKind.Invocation);
                block.RegisterOperationBlockEndAction(end =>
                {
                    if (trains == 0)
                    {
                        return;
                    }

                    foreach (var value in enabled)
                    {
                        end.ReportDiagnostic(Diagnostic.Create(RuleDescriptors.CacheInTraining, value.Syntax.GetLocation(), end.OwningSymbol.Name));
                    }
                });
            });
        });
    }

    // LoadOptions.UseCache is bool?: the literal arrives wrapped in an implicit conversion that has no constant value.
    private static IOperation Unwrap(IOperation value)
    {
        while (value is IConversionOperation { IsImplicit: true } conversion)
        {
            value = conversion.Operand;
        }

        return value;
    }
}
