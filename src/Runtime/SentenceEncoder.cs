using Microsoft.Extensions.Logging;

namespace PrecisionAnalyzers.Runtime;

/// <summary>A sentence-transformers style embedding model.</summary>
/// <remarks>The encoder arrives with the sentence-embedding work (issue #7); this type fixes the contract the analyzers recognise.</remarks>
public sealed class SentenceEncoder : IDisposable
{
    private SentenceEncoder()
    {
    }

    /// <summary>Loads the sentence-transformers folder at <paramref name="path"/>.</summary>
    public static SentenceEncoder Load(string path, LoadOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        throw new NotSupportedException("SentenceEncoder.Load is not implemented yet: sentence embeddings are tracked by issue #7.");
    }

    /// <summary>Encodes <paramref name="texts"/> into one embedding each, in the caller's order.</summary>
    public float[][] Encode(IReadOnlyList<string> texts, int batchSize = 32, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        throw new NotSupportedException("SentenceEncoder.Encode is not implemented yet: sentence embeddings are tracked by issue #7.");
    }

    public void Dispose()
    {
    }
}
