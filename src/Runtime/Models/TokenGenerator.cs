using System.Diagnostics;
using PrecisionAnalyzers.Runtime.Diagnostics;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// Runs one generation on one model: prefill the prompt, then one token a step (with the cache, only the new token
/// goes through the model; without it, the whole sequence again). Every step's tensors are disposed before the next.
/// </summary>
public static class TokenGenerator
{
    /// <summary>Generates; throws <see cref="NonFiniteActivationsException"/> when <paramref name="guard"/> trips.</summary>
    public static GenerationResult Generate(
        DecoderModel model,
        IReadOnlyList<int> prompt,
        GenerationOptions options,
        bool useCache,
        OverflowGuard? guard = null,
        Action<GeneratedToken>? onToken = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        if (prompt.Count == 0)
        {
            throw new ArgumentException("The prompt needs at least one token.", nameof(prompt));
        }

        if (prompt.Any(id => id < 0 || id >= model.Config.VocabSize))
        {
            throw new ArgumentException($"Prompt token ids must be in [0, {model.Config.VocabSize}).", nameof(prompt));
        }

        if (options.MaxNewTokens < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxNewTokens must be ≥ 0.");
        }

        var warnings = new List<PrecisionWarning>();
        var sampler = new Sampler(options.Temperature, options.TopK, options.TopP, options.Seed);
        var stops = options.StopTokenIds.ToHashSet();
        var tokens = new List<int>();
        var logitsLog = options.CaptureLogits ? new List<float[]>() : null;
        using var cache = useCache ? model.CreateCache(warnings) : null;
        using var noGrad = no_grad();

        var clock = Stopwatch.StartNew();
        var prefill = TimeSpan.Zero;
        var reason = StopReason.MaxNewTokens;
        var sequence = prompt.ToList();
        var step = 0;
        while (tokens.Count < options.MaxNewTokens || (step == 0 && logitsLog is not null))
        {
            cancellationToken.ThrowIfCancellationRequested();
            float[] logits;
            using (var scope = NewDisposeScope())
            {
                var input = cache is null || step == 0 ? sequence : sequence.GetRange(sequence.Count - 1, 1);
                var ids = tensor(input.Select(id => (long)id).ToArray(), dtype: ScalarType.Int64).unsqueeze(0);
                var output = model.Forward(ids, cache, guard, lastPositionOnly: true, cancellationToken);
                logits = output[0, -1].to_type(ScalarType.Float32).cpu().data<float>().ToArray();
            }

            logitsLog?.Add(logits);
            if (step == 0)
            {
                prefill = clock.Elapsed;
            }

            step++;
            if (tokens.Count >= options.MaxNewTokens)
            {
                break;
            }

            var next = sampler.Next(logits);
            tokens.Add(next);
            sequence.Add(next);
            onToken?.Invoke(new GeneratedToken(tokens.Count - 1, next, model.Dtype));
            if (stops.Contains(next))
            {
                reason = StopReason.StopToken;
                break;
            }
        }

        var total = clock.Elapsed;
        return new GenerationResult
        {
            PromptTokens = prompt.ToArray(),
            Tokens = tokens,
            Dtype = model.Dtype,
            StopReason = reason,
            Warnings = warnings,
            UsedCache = cache is not null,
            PrefillTime = prefill,
            DecodeTime = total - prefill,
            Logits = logitsLog,
        };
    }
}
