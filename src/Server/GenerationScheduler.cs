using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Models;

namespace PrecisionAnalyzers.Server;

/// <summary>
/// Continuous batching for the server: requests wait in a bounded queue; one worker thread (all tensor work happens on
/// it) admits them into a <see cref="DecodeBatch"/> up to the batch size, prefilling each alone, then decodes one token
/// for every active sequence per step; finished and cancelled sequences leave between steps, freeing their caches.
/// After an overflow (PREC104) the tripping request is re-run alone through <see cref="CausalLM.Generate"/>, which falls
/// back to a safer dtype, and every other active sequence continues on the safer model from the tokens it has.
/// </summary>
internal sealed class GenerationScheduler : IDisposable
{
    private readonly CausalLM _model;
    private readonly int _maxBatch;
    private readonly Channel<GenerationJob> _queue;
    private readonly ServerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<DecodeSequence, GenerationJob> _jobs = [];
    private readonly Thread _worker;
    private DecodeBatch _batch;
    private int _inFlight;
    private int _active;
    private int _disposed;

    public GenerationScheduler(CausalLM model, int maxBatch, int maxQueue, ServerMetrics metrics, ILogger? logger = null)
    {
        _model = model;
        _maxBatch = maxBatch;
        _metrics = metrics;
        _logger = logger ?? NullLogger.Instance;
        _queue = Channel.CreateUnbounded<GenerationJob>(new UnboundedChannelOptions { SingleReader = true });
        MaxQueue = maxQueue;
        _batch = NewBatch();
        _worker = new Thread(Run) { IsBackground = true, Name = "precision-serve-decoder" };
        _worker.Start();
    }

    public int MaxQueue { get; }

    /// <summary>False once shutdown began: new requests are refused.</summary>
    public bool Accepting { get; private set; } = true;

    /// <summary>Requests queued or decoding.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Queues <paramref name="job"/>; false when the batch and the queue are full (at most max-batch decoding and
    /// max-queue waiting: the caller answers 429) or the server is stopping.
    /// </summary>
    public bool TryEnqueue(GenerationJob job)
    {
        if (!Accepting)
        {
            return false;
        }

        if (Interlocked.Increment(ref _inFlight) > _maxBatch + MaxQueue)
        {
            Interlocked.Decrement(ref _inFlight);
            return false;
        }

        job.OnEnded(() => Interlocked.Decrement(ref _inFlight));
        if (!_queue.Writer.TryWrite(job))
        {
            job.Fail(new OperationCanceledException("the server is shutting down"));
            return false;
        }

        UpdateGauges();
        return true;
    }

    private void UpdateGauges()
    {
        var active = Volatile.Read(ref _active);
        _metrics.ActiveSequences = active;
        _metrics.QueueLength = Math.Max(0, InFlight - active);
    }

    /// <summary>Stops taking requests; those queued or decoding go on until <see cref="Dispose"/>.</summary>
    public void StopAccepting()
    {
        Accepting = false;
        _queue.Writer.TryComplete();
    }

    private DecodeBatch NewBatch() => new(_model.Model, _model.OverflowGuard.Enabled ? new OverflowGuard(_model.Dtype) : null);

    private void Run()
    {
        while (true)
        {
            try
            {
                while (_batch.Active.Count < _maxBatch && _queue.Reader.TryRead(out var job))
                {
                    Admit(job);
                }

                DropCancelled();
                Volatile.Write(ref _active, _jobs.Count);
                UpdateGauges();
                if (_batch.Active.Count == 0)
                {
                    if (!_queue.Reader.WaitToReadAsync(_stop.Token).AsTask().GetAwaiter().GetResult())
                    {
                        return;
                    }

                    continue;
                }

                Step();
                Volatile.Write(ref _active, _jobs.Count);
                UpdateGauges();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A bug must not take the server down: the requests in the batch fail, the next ones get a fresh batch.
                _logger.LogError(e, "The decode loop failed; failing the {Count} requests in the batch.", _jobs.Count);
                FailAll(e);
            }
        }
    }

    private void Admit(GenerationJob job)
    {
        if (job.Cancellation.IsCancellationRequested)
        {
            job.Fail(new OperationCanceledException(job.Cancellation));
            return;
        }

        _metrics.PromptTokens(job.Prompt.Count);
        DecodeSequence sequence;
        try
        {
            sequence = _batch.Join(job.Prompt, job.Options, job.Cancellation);
        }
        catch (NonFiniteActivationsException)
        {
            RunAlone(job, job.Prompt, job.Options);
            MoveToCurrentModel();
            return;
        }
        catch (Exception e)
        {
            job.Fail(e);
            return;
        }

        if (sequence.Tokens.Count > 0)
        {
            _metrics.FirstToken(Stopwatch.GetElapsedTime(job.Enqueued));
            Deliver(job, sequence.Tokens[0]);
        }

        if (sequence.IsFinished)
        {
            job.Finish(sequence.StopReason!.Value);
        }
        else
        {
            _jobs[sequence] = job;
        }
    }

    private void Step()
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<(DecodeSequence Sequence, int Token)> produced;
        try
        {
            produced = _batch.Step();
        }
        catch (NonFiniteActivationsException overflow)
        {
            var rows = _batch.Active.ToArray();
            var tripped = rows[Math.Clamp((int)overflow.BatchRow, 0, rows.Length - 1)];
            var job = _jobs[tripped];
            var (prompt, options) = Continuation(tripped);
            _jobs.Remove(tripped);
            _batch.Remove(tripped);
            RunAlone(job, prompt, options);
            MoveToCurrentModel(overflow);
            return;
        }

        _metrics.Step(produced.Count, clock.Elapsed);
        foreach (var (sequence, token) in produced)
        {
            var job = _jobs[sequence];
            Deliver(job, token);
            if (sequence.IsFinished)
            {
                _jobs.Remove(sequence);
                job.Finish(sequence.StopReason!.Value);
            }
        }
    }

    private void Deliver(GenerationJob job, int token)
    {
        job.Deliver(token);
        _metrics.Generated(1);
    }

    private void DropCancelled()
    {
        foreach (var (sequence, job) in _jobs.Where(pair => pair.Value.Cancellation.IsCancellationRequested).ToArray())
        {
            _jobs.Remove(sequence);
            _batch.Remove(sequence);
            job.Fail(new OperationCanceledException(job.Cancellation));
        }
    }

    // The prompt and options that carry on a sequence from the tokens it has: its prompt plus them, and what is left to generate.
    private static (IReadOnlyList<int> Prompt, GenerationOptions Options) Continuation(DecodeSequence sequence) =>
        ([.. sequence.Prompt, .. sequence.Tokens], sequence.Options with { MaxNewTokens = sequence.Options.MaxNewTokens - sequence.Tokens.Count });

    // One request through the runtime's own overflow fallback (CausalLM.Generate re-runs it in a safer dtype and warns with
    // PREC104). Its tokens are delivered when it is done: the fallback restarts the stream, which a client must not see twice.
    private void RunAlone(GenerationJob job, IReadOnlyList<int> prompt, GenerationOptions options)
    {
        try
        {
            var result = _model.Generate(prompt, options, cancellationToken: job.Cancellation);
            job.AddWarnings(result.Warnings);
            foreach (var token in result.Tokens)
            {
                if (job.Generated == 0)
                {
                    _metrics.FirstToken(Stopwatch.GetElapsedTime(job.Enqueued));
                }

                Deliver(job, token);
            }

            job.Finish(result.StopReason);
        }
        catch (Exception e)
        {
            job.Fail(e);
        }
    }

    // After a fallback the model was rebuilt (the old one disposed) or a step left the caches inconsistent: every active
    // sequence re-joins a new batch on the current model with the tokens it has, warned that the dtype changed under it.
    private void MoveToCurrentModel(NonFiniteActivationsException? overflow = null)
    {
        var moving = _jobs.ToArray();
        _jobs.Clear();
        var old = _batch;
        _batch = NewBatch();
        foreach (var (sequence, job) in moving)
        {
            var (prompt, options) = Continuation(sequence);
            old.Remove(sequence);
            if (overflow is not null || _batch.Model.Dtype != old.Model.Dtype)
            {
                job.AddWarnings([new PrecisionWarning(RuntimeCodes.NonFiniteActivations,
                    $"another request in the batch overflowed; this answer continued in {Runtime.Planning.DtypeRules.Name(_batch.Model.Dtype)} after {sequence.Tokens.Count} tokens.")]);
            }

            if (options.MaxNewTokens <= 0)
            {
                job.Finish(sequence.StopReason ?? StopReason.MaxNewTokens);
                continue;
            }

            try
            {
                var continued = _batch.Join(prompt, options, job.Cancellation);
                if (continued.Tokens.Count > 0)
                {
                    Deliver(job, continued.Tokens[0]);
                }

                if (continued.IsFinished)
                {
                    job.Finish(continued.StopReason!.Value);
                }
                else
                {
                    _jobs[continued] = job;
                }
            }
            catch (Exception e)
            {
                job.Fail(e);
            }
        }

        old.Dispose();
    }

    private void FailAll(Exception error)
    {
        foreach (var job in _jobs.Values)
        {
            job.Fail(error);
        }

        _jobs.Clear();
        _batch.Dispose();
        _batch = NewBatch();
    }

    /// <summary>Stops the worker: queued and active requests are cancelled, caches freed.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        StopAccepting();
        _stop.Cancel();
        _worker.Join();
        while (_queue.Reader.TryRead(out var job))
        {
            job.Fail(new OperationCanceledException("the server is shutting down"));
        }

        FailAll(new OperationCanceledException("the server is shutting down"));
        _batch.Dispose();
        _stop.Dispose();
    }
}
