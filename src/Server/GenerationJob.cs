using System.Diagnostics;
using System.Threading.Channels;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Models;

namespace PrecisionAnalyzers.Server;

/// <summary>
/// One generation handed to the <see cref="GenerationScheduler"/>: its prompt and options, the tokens it produces (a
/// channel the HTTP handler reads as they come), how it ended and the PREC1xx warnings it earned. Cancelling it (the client
/// went away, or a stop sequence was found) makes the scheduler drop it and free its cache before the next step.
/// </summary>
internal sealed class GenerationJob : IDisposable
{
    private readonly Channel<int> _tokens = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _cancellation;
    private readonly List<PrecisionWarning> _warnings = [];
    private Action? _ended;

    public GenerationJob(IReadOnlyList<int> prompt, GenerationOptions options, CancellationToken requestAborted)
    {
        Prompt = prompt;
        Options = options;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        Cancellation = _cancellation.Token;
        Enqueued = Stopwatch.GetTimestamp();
    }

    public IReadOnlyList<int> Prompt { get; }

    public GenerationOptions Options { get; }

    /// <summary>The generated token ids, in order; completed when the job ends (with the failure, if it failed).</summary>
    public ChannelReader<int> Tokens => _tokens.Reader;

    /// <summary>Cancelled when the client goes away or the handler stops the job; readable after the handler disposed the job.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>When the job was queued (a <see cref="Stopwatch"/> timestamp).</summary>
    public long Enqueued { get; }

    /// <summary>Tokens delivered so far.</summary>
    public int Generated { get; private set; }

    /// <summary>Why generation ended; null until it has (or when it was cancelled or failed).</summary>
    public StopReason? StopReason { get; private set; }

    public IReadOnlyList<PrecisionWarning> Warnings
    {
        get
        {
            lock (_warnings)
            {
                return _warnings.ToArray();
            }
        }
    }

    /// <summary>Stops the generation (the scheduler frees its cache at the next step).</summary>
    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    internal void Deliver(int token)
    {
        Generated++;
        _tokens.Writer.TryWrite(token);
    }

    internal void AddWarnings(IEnumerable<PrecisionWarning> warnings)
    {
        lock (_warnings)
        {
            _warnings.AddRange(warnings);
        }
    }

    /// <summary>Called once when the job ends, however it ends.</summary>
    internal void OnEnded(Action ended) => _ended = ended;

    internal void Finish(StopReason reason)
    {
        StopReason = reason;
        End(null);
    }

    internal void Fail(Exception error) => End(error);

    private void End(Exception? error)
    {
        if (_tokens.Writer.TryComplete(error))
        {
            Interlocked.Exchange(ref _ended, null)?.Invoke();
        }
    }

    /// <summary>The handler is done with the job: a job still running is cancelled (the scheduler frees its cache).</summary>
    public void Dispose()
    {
        Cancel();
        _cancellation.Dispose();
    }
}
