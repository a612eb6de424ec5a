using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Training;

/// <summary>
/// AdamW (decoupled weight decay) over FP32 parameters with FP32 moment estimates. Its whole state — the step count and
/// both moments of every parameter, by name — can be exported and restored exactly, so a resumed run continues bit for bit.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly IReadOnlyDictionary<string, Tensor> _parameters;
    private readonly Dictionary<string, (Tensor Mean, Tensor Variance)> _moments = new(StringComparer.Ordinal);

    /// <param name="parameters">The trainable tensors by name (FP32, requiring grad).</param>
    public AdamW(IReadOnlyDictionary<string, Tensor> parameters, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0.0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        foreach (var (name, parameter) in parameters)
        {
            if (parameter.dtype != ScalarType.Float32)
            {
                throw new ArgumentException($"{name} is {parameter.dtype}; AdamW here keeps FP32 master weights only.", nameof(parameters));
            }

            _moments[name] = (zeros_like(parameter), zeros_like(parameter));
        }
    }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Epsilon { get; }

    public double WeightDecay { get; }

    /// <summary>Updates taken so far.</summary>
    public long StepCount { get; private set; }

    /// <summary>One update with learning rate <paramref name="learningRate"/> from the parameters' current gradients.</summary>
    public void Step(double learningRate)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        StepCount++;
        var correction1 = 1 - Math.Pow(Beta1, StepCount);
        var correction2 = 1 - Math.Pow(Beta2, StepCount);
        foreach (var (name, parameter) in _parameters)
        {
            var gradient = parameter.grad;
            if (gradient is null)
            {
                continue;
            }

            var (mean, variance) = _moments[name];
            if (WeightDecay > 0)
            {
                parameter.mul_(1 - (learningRate * WeightDecay));
            }

            mean.mul_(Beta1).add_(gradient, alpha: 1 - Beta1);
            variance.mul_(Beta2).addcmul_(gradient, gradient, value: 1 - Beta2);
            var denominator = (variance / correction2).sqrt_().add_(Epsilon);
            parameter.addcdiv_(mean, denominator, value: -learningRate / correction1);
        }
    }

    /// <summary>Clears every gradient.</summary>
    public void ZeroGrad()
    {
        using var scope = NewDisposeScope();
        foreach (var parameter in _parameters.Values)
        {
            parameter.grad?.zero_();
        }
    }

    /// <summary>The moments by <c>NAME.exp_avg</c> / <c>NAME.exp_avg_sq</c> (views of the live state: write them before the next step).</summary>
    public IReadOnlyDictionary<string, Tensor> ExportState() =>
        _moments.SelectMany(pair => new[] { (pair.Key + ".exp_avg", pair.Value.Mean), (pair.Key + ".exp_avg_sq", pair.Value.Variance) })
            .ToDictionary(pair => pair.Item1, pair => pair.Item2, StringComparer.Ordinal);

    /// <summary>Restores moments exported by <see cref="ExportState"/> and the step count.</summary>
    public void ImportState(Func<string, Tensor?> read, long stepCount)
    {
        ArgumentNullException.ThrowIfNull(read);
        using var noGrad = no_grad();
        foreach (var (name, (mean, variance)) in _moments)
        {
            using var savedMean = read(name + ".exp_avg") ?? throw new InvalidDataException($"optimizer state has no {name}.exp_avg");
            using var savedVariance = read(name + ".exp_avg_sq") ?? throw new InvalidDataException($"optimizer state has no {name}.exp_avg_sq");
            mean.copy_(savedMean);
            variance.copy_(savedVariance);
        }

        StepCount = stepCount;
    }

    public void Dispose()
    {
        foreach (var (mean, variance) in _moments.Values)
        {
            mean.Dispose();
            variance.Dispose();
        }
    }
}
