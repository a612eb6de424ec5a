using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary>
/// A <see cref="SentenceEncoder"/> as Microsoft.Extensions.AI's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>:
/// the texts of one call are embedded in batches by <see cref="SentenceEncoder.Embed"/> and come back in their order.
/// </summary>
/// <remarks>
/// <para>An <see cref="EmbeddingGenerationOptions.Dimensions"/> other than the encoder's <see cref="SentenceEncoder.Dimension"/>
/// is refused (<see cref="NotSupportedException"/>): the runtime does not cut embeddings. Texts longer than
/// <see cref="SentenceEncoder.MaxTokens"/> are truncated as in <see cref="SentenceEncoder.Embed"/>; the result's
/// <c>AdditionalProperties["precision.truncated"]</c> then lists their indexes.</para>
/// <para>Encoding on one model is not thread-safe: concurrent calls on generators of the same encoder wait for each other. Disposing the
/// generator disposes the encoder only when it was created to own it (<c>ownsEncoder</c>).</para>
/// </remarks>
public sealed class SentenceEncoderEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The key of the result's <see cref="GeneratedEmbeddings{TEmbedding}.AdditionalProperties"/> entry listing truncated texts.</summary>
    public const string TruncatedProperty = "precision.truncated";

    // One gate per encoder, shared by every generator of it.
    private static readonly ConditionalWeakTable<SentenceEncoder, SemaphoreSlim> Gates = new();

    private readonly SemaphoreSlim _gate;
    private readonly bool _ownsEncoder;
    private readonly int _batchSize;
    private bool _disposed;

    /// <param name="encoder">The encoder.</param>
    /// <param name="ownsEncoder">Whether <see cref="Dispose"/> disposes <paramref name="encoder"/> too.</param>
    /// <param name="batchSize">Texts per forward pass.</param>
    public SentenceEncoderEmbeddingGenerator(SentenceEncoder encoder, bool ownsEncoder = false, int batchSize = 32)
    {
        Encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _ownsEncoder = ownsEncoder;
        _batchSize = batchSize;
        _gate = Gates.GetValue(encoder, _ => new SemaphoreSlim(1, 1));
        var id = encoder.Folder is { } folder ? Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)) : null;
        Metadata = new EmbeddingGeneratorMetadata(Chat.CausalLMChatClient.ProviderName, providerUri: null, defaultModelId: string.IsNullOrEmpty(id) ? null : id, defaultModelDimensions: encoder.Dimension);
    }

    /// <summary>The wrapped encoder.</summary>
    public SentenceEncoder Encoder { get; }

    /// <summary>Provider <c>PrecisionAnalyzers</c>, the folder's name as model id, and the embedding dimension.</summary>
    public EmbeddingGeneratorMetadata Metadata { get; }

    /// <inheritdoc />
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values.ToArray();
        if (options?.Dimensions is { } dimensions && dimensions != Encoder.Dimension)
        {
            throw new NotSupportedException($"the encoder's embeddings have {Encoder.Dimension} dimensions; {dimensions} were asked for.");
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        if (texts.Length == 0)
        {
            return [];
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await Task.Run(() => Encoder.Embed(texts, _batchSize, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
            var createdAt = DateTimeOffset.UtcNow;
            var embeddings = new GeneratedEmbeddings<Embedding<float>>(result.Embeddings.Select(vector => new Embedding<float>(vector)
            {
                ModelId = Metadata.DefaultModelId,
                CreatedAt = createdAt,
            }));
            if (result.Truncated.Count > 0)
            {
                embeddings.AdditionalProperties = new AdditionalPropertiesDictionary { [TruncatedProperty] = result.Truncated.Select(t => t.Index).ToArray() };
            }

            return embeddings;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            return Metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : serviceType.IsInstanceOfType(Encoder) ? Encoder : null;
    }

    /// <summary>Disposes the encoder when the generator owns it (<c>ownsEncoder</c>); otherwise leaves it to the caller.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsEncoder)
        {
            Encoder.Dispose();
        }
    }
}
