namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// Picks the next token from one position's logits: greedy (temperature 0) or sampled with temperature, top-k and
/// top-p, from a seeded <see cref="Random"/> so a seed gives the same tokens on every machine.
/// </summary>
public sealed class Sampler
{
    private readonly Random _random;

    public Sampler(double temperature = 0, int? topK = null, double? topP = null, int? seed = null)
    {
        if (temperature < 0 || double.IsNaN(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "Temperature must be ≥ 0 (0 means greedy).");
        }

        if (topK is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(topK), topK, "top-k must be positive.");
        }

        if (topP is not null && (topP <= 0 || topP > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(topP), topP, "top-p must be in (0, 1].");
        }

        Temperature = temperature;
        TopK = topK;
        TopP = topP;
        _random = seed is { } s ? new Random(s) : new Random();
    }

    public double Temperature { get; }

    public int? TopK { get; }

    public double? TopP { get; }

    public bool IsGreedy => Temperature == 0;

    /// <summary>The index of the largest logit (the first on ties); NaN counts as smallest.</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        var bestValue = float.NegativeInfinity;
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] > bestValue)
            {
                best = i;
                bestValue = logits[i];
            }
        }

        return best;
    }

    /// <summary>The next token id.</summary>
    public int Next(ReadOnlySpan<float> logits)
    {
        if (IsGreedy || TopK == 1)
        {
            return ArgMax(logits);
        }

        // Candidates by descending logit; top-k keeps the k largest.
        var order = new int[logits.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var values = logits.ToArray();
        Array.Sort(order, (a, b) => values[b].CompareTo(values[a]) is var c && c != 0 ? c : a.CompareTo(b));
        var count = Math.Min(TopK ?? order.Length, order.Length);

        var max = (double)values[order[0]];
        var probabilities = new double[count];
        var sum = 0.0;
        for (var i = 0; i < count; i++)
        {
            var p = Math.Exp((values[order[i]] - max) / Temperature);
            probabilities[i] = double.IsFinite(p) ? p : 0;
            sum += probabilities[i];
        }

        if (!(sum > 0))
        {
            return order[0];
        }

        // Top-p keeps the smallest prefix whose probability reaches p (always at least one token).
        if (TopP is { } topP && topP < 1)
        {
            var cumulative = 0.0;
            var kept = 0;
            while (kept < count)
            {
                cumulative += probabilities[kept] / sum;
                kept++;
                if (cumulative >= topP)
                {
                    break;
                }
            }

            count = kept;
            sum = probabilities.Take(count).Sum();
        }

        var draw = _random.NextDouble() * sum;
        for (var i = 0; i < count; i++)
        {
            draw -= probabilities[i];
            if (draw < 0)
            {
                return order[i];
            }
        }

        return order[count - 1];
    }
}
