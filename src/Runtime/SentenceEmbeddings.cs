using PrecisionAnalyzers.Runtime.Diagnostics;

namespace PrecisionAnalyzers.Runtime;

/// <summary>The embeddings of <see cref="SentenceEncoder.Embed"/>, and the texts cut to the encoder's limit.</summary>
/// <param name="Embeddings">One float32 embedding per text, in the caller's order.</param>
/// <param name="Truncated">The texts longer than <see cref="SentenceEncoder.MaxTokens"/>, in order, with their lengths.</param>
public sealed record SentenceEmbeddings(float[][] Embeddings, IReadOnlyList<InputTruncation> Truncated)
{
    /// <summary>Tokens encoded over all texts, special tokens included (after truncation).</summary>
    public int TokenCount { get; init; }

    /// <summary>One PREC109 warning per truncated text.</summary>
    public IReadOnlyList<PrecisionWarning> Warnings => Truncated.Select(t => t.ToWarning($"the text at index {t.Index}")).ToArray();
}
