using System.Diagnostics;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// Continuous batching on one model: sequences <see cref="Join"/> between steps (their prompt is prefilled alone and
/// the first token sampled), every <see cref="Step"/> decodes one token for all unfinished sequences in one batched
/// forward pass (<see cref="DecoderModel.ForwardDecode"/>), and sequences leave when they finish or are removed, freeing
/// their caches. Each sequence keeps its own positions, cache and sampling settings, so greedy tokens are those it would
/// get alone. Not thread-safe: one thread drives a batch.
/// </summary>
public sealed class DecodeBatch : IDisposable
{
    private readonly List<DecodeSequence> _active = [];

    public DecodeBatch(DecoderModel model, OverflowGuard? guard = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Guard = guard;
    }

    public DecoderModel Model { get; }

    public OverflowGuard? Guard { get; }

    /// <summary>The sequences still generating, in the order they joined.</summary>
    public IReadOnlyList<DecodeSequence> Active => _active;

    /// <summary>
    /// Prefills <paramref name="prompt"/> with a new cache and samples its first token. A sequence that is already done
    /// (a stop token first, or <see cref="GenerationOptions.MaxNewTokens"/> of 0 or 1) does not join; its cache is freed.
    /// </summary>
    /// <exception cref="NonFiniteActivationsException">The overflow guard tripped in the prompt's forward pass.</exception>
    public DecodeSequence Join(IReadOnlyList<int> prompt, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        if (prompt.Count == 0)
        {
            throw new ArgumentException("The prompt needs at least one token.", nameof(prompt));
        }

        if (prompt.Any(id => id < 0 || id >= Model.Config.VocabSize))
        {
            throw new ArgumentException($"Prompt token ids must be in [0, {Model.Config.VocabSize}).", nameof(prompt));
        }

        if (options.MaxNewTokens < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxNewTokens must be ≥ 0.");
        }

        var cache = Model.CreateCache() ?? throw new InvalidOperationException("batched decoding needs key/value caches, which training mode does not build.");
        var sequence = new DecodeSequence(prompt, options, cache);
        try
        {
            if (options.MaxNewTokens == 0)
            {
                sequence.FinishEmpty();
                sequence.Dispose();
                return sequence;
            }

            var clock = Stopwatch.StartNew();
            float[] logits;
            using (no_grad())
            using (NewDisposeScope())
            {
                var ids = tensor(prompt.Select(id => (long)id).ToArray(), dtype: ScalarType.Int64).unsqueeze(0);
                var output = Model.Forward(ids, cache, Guard, lastPositionOnly: true, cancellationToken);
                logits = output[0, -1].to_type(ScalarType.Float32).cpu().data<float>().ToArray();
            }

            sequence.PrefillTime = clock.Elapsed;
            sequence.Accept(logits);
            if (sequence.IsFinished)
            {
                sequence.Dispose();
            }
            else
            {
                _active.Add(sequence);
            }

            return sequence;
        }
        catch
        {
            sequence.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Decodes one token for every active sequence in one forward pass; returns each sequence with its new token.
    /// Sequences that finish leave the batch and their caches are freed.
    /// </summary>
    /// <exception cref="NonFiniteActivationsException">The overflow guard tripped; <see cref="NonFiniteActivationsException"/>'s
    /// row is the index in <see cref="Active"/>. The caches of this step are then inconsistent: remove every sequence.</exception>
    public IReadOnlyList<(DecodeSequence Sequence, int Token)> Step(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_active.Count == 0)
        {
            return [];
        }

        var rows = _active.ToArray();
        float[] logits;
        long vocabulary;
        using (no_grad())
        using (NewDisposeScope())
        {
            var output = Model.ForwardDecode(rows.Select(s => s.LastToken).ToArray(), rows.Select(s => s.Cache).ToArray(), Guard);
            vocabulary = output.shape[1];
            logits = output.to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        }

        var produced = new (DecodeSequence, int)[rows.Length];
        for (var row = 0; row < rows.Length; row++)
        {
            var sequence = rows[row];
            produced[row] = (sequence, sequence.Accept(logits.AsSpan((int)(row * vocabulary), (int)vocabulary)));
            if (sequence.IsFinished)
            {
                Remove(sequence);
            }
        }

        return produced;
    }

    /// <summary>Takes a sequence out of the batch (finished, cancelled or failed) and frees its cache.</summary>
    public void Remove(DecodeSequence sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        _active.Remove(sequence);
        sequence.Dispose();
    }

    public void Dispose()
    {
        foreach (var sequence in _active)
        {
            sequence.Dispose();
        }

        _active.Clear();
    }
}
