using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// One generation inside a <see cref="DecodeBatch"/>: its prompt, its own key/value cache, sampler and stop settings,
/// and the tokens generated so far. Disposing it (or the batch removing it) frees its cache.
/// </summary>
public sealed class DecodeSequence : IDisposable
{
    private readonly List<int> _tokens = [];
    private readonly HashSet<int> _stops;

    internal DecodeSequence(IReadOnlyList<int> prompt, GenerationOptions options, KvCache cache)
    {
        Prompt = prompt.ToArray();
        Options = options;
        Cache = cache;
        Sampler = new Sampler(options.Temperature, options.TopK, options.TopP, options.Seed);
        _stops = options.StopTokenIds.ToHashSet();
    }

    public IReadOnlyList<int> Prompt { get; }

    public GenerationOptions Options { get; }

    /// <summary>The tokens generated so far.</summary>
    public IReadOnlyList<int> Tokens => _tokens;

    /// <summary>Why the sequence ended; null while it is still generating.</summary>
    public StopReason? StopReason { get; private set; }

    public bool IsFinished => StopReason is not null;

    /// <summary>Positions the cache holds (prompt plus generated tokens fed back).</summary>
    public long Position => Cache.Length;

    /// <summary>How long the prompt's forward pass took.</summary>
    public TimeSpan PrefillTime { get; internal set; }

    internal KvCache Cache { get; }

    internal Sampler Sampler { get; }

    internal int LastToken => _tokens[^1];

    /// <summary>Samples from one position's logits, records the token and decides whether the sequence is done.</summary>
    internal int Accept(ReadOnlySpan<float> logits)
    {
        var next = Sampler.Next(logits);
        _tokens.Add(next);
        if (_stops.Contains(next))
        {
            StopReason = Models.StopReason.StopToken;
        }
        else if (_tokens.Count >= Options.MaxNewTokens)
        {
            StopReason = Models.StopReason.MaxNewTokens;
        }

        return next;
    }

    internal void FinishEmpty() => StopReason = Models.StopReason.MaxNewTokens;

    public void Dispose() => Cache.Dispose();
}
