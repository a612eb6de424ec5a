namespace PrecisionAnalyzers.Server;

/// <summary>How <c>precision serve</c> listens and how much work it takes on.</summary>
public sealed record ServerOptions
{
    /// <summary>The address to bind; loopback unless the operator says otherwise.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The port; 0 takes a free one (tests).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>When set, every <c>/v1</c> route requires <c>Authorization: Bearer</c> with this key.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Sequences decoded together in one batched step.</summary>
    public int MaxBatch { get; init; } = 8;

    /// <summary>Requests waiting for a place in the batch; past it, 429 with Retry-After.</summary>
    public int MaxQueue { get; init; } = 64;

    /// <summary>The context in tokens (prompt plus answer); null: the model's max_position_embeddings.</summary>
    public int? Context { get; init; }

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; init; } = 1 << 20;

    /// <summary>How long a shutdown waits for requests in flight before cancelling them.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Seconds a client is told to wait after a 429.</summary>
    public int RetryAfterSeconds { get; init; } = 1;

    public void Validate()
    {
        if (MaxBatch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatch), MaxBatch, "--max-batch must be at least 1.");
        }

        if (MaxQueue < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQueue), MaxQueue, "--max-queue must be at least 0.");
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "--port must be in [0, 65535].");
        }

        if (Context is < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(Context), Context, "--context must be at least 2 tokens.");
        }

        if (ApiKey is { Length: 0 })
        {
            throw new ArgumentException("--api-key must not be empty.", nameof(ApiKey));
        }
    }
}
