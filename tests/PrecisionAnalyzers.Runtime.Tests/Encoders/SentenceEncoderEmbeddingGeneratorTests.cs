using Microsoft.Extensions.AI;
using PrecisionAnalyzers.Runtime.Encoders;

namespace PrecisionAnalyzers.Runtime.Tests.Encoders;

/// <summary><see cref="SentenceEncoderEmbeddingGenerator"/>: a tiny encoder behind <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.</summary>
public sealed class SentenceEncoderEmbeddingGeneratorTests : IDisposable
{
    private readonly string _folder = Path.Combine(EncoderTestData.NewFolder(), "tiny-minilm");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_folder)!, recursive: true);

    [Fact]
    public async Task Embeddings_are_the_encoders_vectors_in_the_callers_order()
    {
        using var tiny = TinyEncoderFactory.Create();
        using var encoder = EncoderTestData.FromTiny(tiny, DType.Float32);
        var texts = EncoderTestData.Texts;
        var expected = encoder.Embed(texts).Embeddings;
        using var generator = encoder.AsEmbeddingGenerator();

        var embeddings = await generator.GenerateAsync(texts);
        var reversed = await generator.GenerateAsync(texts.Reverse());

        Assert.Equal(texts.Length, embeddings.Count);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(encoder.Dimension, embeddings[i].Dimensions);
            Assert.Equal(expected[i], embeddings[i].Vector.ToArray());
            EncoderTestData.Close(expected[i], reversed[texts.Length - 1 - i].Vector.ToArray(), 1e-5);
        }

        // The texts differ, so a mix-up could not pass.
        Assert.True(EncoderTestData.Cosine(expected[0], expected[1]) < 0.999);
        Assert.Empty(await generator.GenerateAsync([]));
    }

    [Fact]
    public async Task A_single_text_and_small_batches_agree_with_the_encoder()
    {
        using var tiny = TinyEncoderFactory.Create();
        using var encoder = EncoderTestData.FromTiny(tiny, DType.Float32);
        using var generator = encoder.AsEmbeddingGenerator(batchSize: 2);

        var one = await generator.GenerateVectorAsync(EncoderTestData.Texts[3]);
        var batched = await generator.GenerateAsync(EncoderTestData.Texts);

        EncoderTestData.Close(encoder.Encode([EncoderTestData.Texts[3]])[0], one.ToArray(), 1e-6);
        for (var i = 0; i < EncoderTestData.Texts.Length; i++)
        {
            EncoderTestData.Close(encoder.Encode([EncoderTestData.Texts[i]])[0], batched[i].Vector.ToArray(), 1e-5);
        }
    }

    [Fact]
    public async Task Metadata_gives_the_provider_folder_name_and_dimension_and_other_dimensions_are_refused()
    {
        TinyEncoderFactory.WriteFolder(_folder, new TinyEncoderOptions { HiddenSize = 48, Heads = 4 });
        using var encoder = EncoderTestData.Load(_folder);
        using var generator = encoder.AsEmbeddingGenerator();

        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        var embedding = Assert.Single(await generator.GenerateAsync(["hello world"]));

        Assert.NotNull(metadata);
        Assert.Equal("PrecisionAnalyzers", metadata.ProviderName);
        Assert.Equal("tiny-minilm", metadata.DefaultModelId);
        Assert.Equal(48, metadata.DefaultModelDimensions);
        Assert.Equal(48, embedding.Dimensions);
        Assert.Equal("tiny-minilm", embedding.ModelId);
        Assert.Same(encoder, generator.GetService<SentenceEncoder>());
        Assert.Null(generator.GetService<EmbeddingGeneratorMetadata>("key"));
        await Assert.ThrowsAsync<NotSupportedException>(() => generator.GenerateAsync(["hello"], new EmbeddingGenerationOptions { Dimensions = 16 }));
        Assert.Single(await generator.GenerateAsync(["hello"], new EmbeddingGenerationOptions { Dimensions = 48 }));
    }

    [Fact]
    public async Task Truncated_texts_are_listed_in_the_results_properties()
    {
        TinyEncoderFactory.WriteFolder(_folder, new TinyEncoderOptions { MaxSeqLength = 16 });
        using var encoder = EncoderTestData.Load(_folder);
        using var generator = encoder.AsEmbeddingGenerator();

        var cut = await generator.GenerateAsync(["short", string.Join(' ', Enumerable.Repeat("a b c", 20)), "also short"]);
        var whole = await generator.GenerateAsync(["short"]);

        Assert.Equal(new[] { 1 }, Assert.IsType<int[]>(cut.AdditionalProperties![SentenceEncoderEmbeddingGenerator.TruncatedProperty]));
        Assert.Null(whole.AdditionalProperties);
    }

    [Fact]
    public async Task A_cancelled_call_throws()
    {
        using var tiny = TinyEncoderFactory.Create();
        using var encoder = EncoderTestData.FromTiny(tiny, DType.Float32);
        using var generator = encoder.AsEmbeddingGenerator();
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.GenerateAsync(EncoderTestData.Texts, cancellationToken: cancellation.Token));
    }

    [Fact]
    public async Task Disposing_the_generator_leaves_the_encoder_to_its_owner_unless_it_owns_it()
    {
        using var tiny = TinyEncoderFactory.Create();
        using var encoder = EncoderTestData.FromTiny(tiny, DType.Float32);
        var expected = encoder.Encode(["hello world"])[0];

        encoder.AsEmbeddingGenerator().Dispose();

        Assert.Equal(expected, encoder.Encode(["hello world"])[0]);

        var owned = EncoderTestData.FromTiny(tiny, DType.Float32);
        var generator = owned.AsEmbeddingGenerator(ownsEncoder: true);
        Assert.Equal(expected, (await generator.GenerateVectorAsync("hello world")).ToArray());
        generator.Dispose();

        Assert.ThrowsAny<Exception>(() => owned.Encode(["hello world"]));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => generator.GenerateAsync(["hello world"]));
    }
}
