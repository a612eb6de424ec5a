using Microsoft.Extensions.AI;
using PrecisionAnalyzers.Runtime.Chat;
using PrecisionAnalyzers.Runtime.Encoders;

namespace PrecisionAnalyzers.Runtime;

/// <summary>The runtime's models behind Microsoft.Extensions.AI's interfaces.</summary>
public static class ExtensionsAI
{
    /// <summary>
    /// The model as an <see cref="IChatClient"/> (<see cref="CausalLMChatClient"/>). With <paramref name="ownsModel"/> false
    /// (the default) disposing the client leaves the model to the caller.
    /// </summary>
    public static IChatClient AsChatClient(this CausalLM model, bool ownsModel = false) => new CausalLMChatClient(model, ownsModel);

    /// <summary>
    /// The encoder as an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> (<see cref="SentenceEncoderEmbeddingGenerator"/>).
    /// With <paramref name="ownsEncoder"/> false (the default) disposing the generator leaves the encoder to the caller.
    /// </summary>
    public static IEmbeddingGenerator<string, Embedding<float>> AsEmbeddingGenerator(this SentenceEncoder encoder, bool ownsEncoder = false, int batchSize = 32) =>
        new SentenceEncoderEmbeddingGenerator(encoder, ownsEncoder, batchSize);
}
