using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// What a method trains, for PREC003: whether it trains at all (a training call anywhere in it, its lambdas and local
/// functions included), and which models it trains when the calls say (<c>model.train()</c>, <c>model.Train()</c>, a
/// trainer or optimizer given <c>model</c> or <c>model.parameters()</c>). A <c>loss.backward()</c> or an
/// <c>optimizer.step()</c> trains without saying which model.
/// </summary>
internal sealed class TrainingScope
{
    /// <summary>The names of the calls that train, for the syntactic pre-filter.</summary>
    public static readonly string[] Names = ["Train", "train", "backward", "step", "TrainAsync", "Fit", "FitAsync"];

    private TrainingScope(bool trains, HashSet<ISymbol> models)
    {
        Trains = trains;
        Models = models;
    }

    public bool Trains { get; }

    /// <summary>The models (locals, fields, properties, parameters) the training calls name; empty when they name none.</summary>
    public HashSet<ISymbol> Models { get; }

    /// <summary>Whether turning the cache on for <paramref name="model"/> happens in training: it trains, and either the model is
    /// not known, the training names no model, or it names this one.</summary>
    public bool TrainsModel(ISymbol? model) => Trains && (model is null || Models.Count == 0 || Models.Contains(model));

    public static TrainingScope Of(SyntaxNode body, SemanticModel semanticModel, PrecisionContext precision, CancellationToken cancellationToken)
    {
        var trains = false;
        var models = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var syntax in body.DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            if (!Names.Contains(SyntaxFilter.InvokedName(syntax)) || semanticModel.GetOperation(syntax, cancellationToken) is not IInvocationOperation call
                || !precision.IsTraining(call.TargetMethod))
            {
                continue;
            }

            trains = true;
            if (Model(call.Instance) is { } receiver && precision.IsModel(call.Instance?.Type))
            {
                models.Add(receiver); // model.train(), model.Train()
            }

            var arguments = call.Arguments.AsEnumerable();
            if (ImplicitConversions.StripOrNull(call.Instance) is ILocalReferenceOperation trainer && Built(trainer) is { } creation)
            {
                arguments = arguments.Concat(creation.Arguments); // new LoraTrainer(model, …).Train(data)
            }

            foreach (var argument in arguments)
            {
                if (Model(argument.Value) is { } given && precision.IsModel(ImplicitConversions.Strip(argument.Value).Type))
                {
                    models.Add(given); // trainer.Train(model, …)
                }
            }
        }

        if (trains)
        {
            // An optimizer built over a model's parameters trains that model: new AdamW(model.parameters()), optim.Adam(model.parameters(), …).
            foreach (var syntax in body.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (SyntaxFilter.InvokedName(syntax) == "parameters" && semanticModel.GetOperation(syntax, cancellationToken) is IInvocationOperation parameters
                    && Model(parameters.Instance) is { } owner && precision.IsModel(parameters.Instance?.Type))
                {
                    models.Add(owner);
                }
            }
        }

        return new TrainingScope(trains, models);
    }

    /// <summary>The object creation a local is declared with (<c>var trainer = new LoraTrainer(model, …)</c>), or null.</summary>
    private static IObjectCreationOperation? Built(ILocalReferenceOperation local)
    {
        return OperationTree.Root(local).Descendants().OfType<IVariableDeclaratorOperation>()
            .Where(d => SymbolEqualityComparer.Default.Equals(d.Symbol, local.Local))
            .Select(d => ImplicitConversions.StripOrNull(d.Initializer?.Value) as IObjectCreationOperation)
            .FirstOrDefault(c => c is not null);
    }

    /// <summary>The symbol a model expression names: a local, field, property or parameter; <c>this</c> as the containing type.</summary>
    public static ISymbol? Model(IOperation? operation) => ImplicitConversions.StripOrNull(operation) switch
    {
        ILocalReferenceOperation local => local.Local,
        IFieldReferenceOperation field => field.Field,
        IPropertyReferenceOperation property => property.Property,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IInstanceReferenceOperation instance => instance.Type,
        _ => null,
    };
}
