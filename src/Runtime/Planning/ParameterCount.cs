using PrecisionAnalyzers.Runtime.Configuration;

namespace PrecisionAnalyzers.Runtime.Planning;

/// <summary>How many parameters a model has, by part.</summary>
/// <param name="Embeddings">Token (and for encoders position and type) embeddings, with their norm.</param>
/// <param name="Layers">All transformer layers.</param>
/// <param name="FinalNorm">The final norm (decoders) or pooler (encoders).</param>
/// <param name="LmHead">The output projection, 0 when tied to the embeddings.</param>
/// <param name="Vision">The vision tower and projector of a multimodal checkpoint.</param>
public sealed record ParameterCount(long Embeddings, long Layers, long FinalNorm, long LmHead, long Vision)
{
    public long Total => checked(Embeddings + Layers + FinalNorm + LmHead + Vision);
}

/// <summary>
/// Counts parameters from <c>config.json</c> alone, layer by layer as the reference implementations build them
/// (exact for the published Llama, Mistral, Qwen2, Gemma 1/2/3 and BERT checkpoints).
/// </summary>
public static class ParameterCounter
{
    /// <exception cref="Diagnostics.PrecisionException">The count overflows 64 bits (PREC103: the model cannot run anywhere).</exception>
    public static ParameterCount Count(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        try
        {
            return config.Kind == ModelKind.Encoder ? CountEncoder(config) : CountDecoder(config);
        }
        catch (OverflowException)
        {
            throw new Diagnostics.PrecisionException(Diagnostics.RuntimeCodes.DoesNotFit,
                $"{config.Source} describes a model of more than 2^63 parameters: no machine can hold it");
        }
    }

    private static ParameterCount CountDecoder(ModelConfig c)
    {
        checked
        {
            var family = c.Family;
            var h = c.HiddenSize;
            var q = c.NumAttentionHeads * c.HeadDim;
            var kv = c.NumKeyValueHeads * c.HeadDim;
            var attention = (h * q) + (2 * h * kv) + (q * h);
            if (family?.QkvBias == true || c.AttentionBias)
            {
                attention += q + (2 * kv);
            }

            if (c.AttentionBias)
            {
                attention += h;
            }

            var mlp = 3 * h * c.IntermediateSize;
            if (c.MlpBias)
            {
                mlp += (2 * c.IntermediateSize) + h;
            }

            var norms = (family?.NormsPerLayer ?? 2) * h;
            var qkNorm = family?.QkNorm == true ? 2 * c.HeadDim : 0;
            var layer = attention + mlp + norms + qkNorm;
            var embeddings = c.VocabSize * h;
            return new ParameterCount(
                Embeddings: embeddings,
                Layers: layer * c.NumHiddenLayers,
                FinalNorm: h,
                LmHead: c.TieWordEmbeddings ? 0 : embeddings,
                Vision: CountVision(c));
        }
    }

    private static long CountVision(ModelConfig c)
    {
        if (c.Vision is not { } v)
        {
            return 0;
        }

        checked
        {
            // SigLIP: patch embedding (conv with bias), learned positions, pre-norm encoder layers, post-layernorm.
            var patches = (v.ImageSize / v.PatchSize) * (v.ImageSize / v.PatchSize);
            var embedding = (v.NumChannels * v.PatchSize * v.PatchSize * v.HiddenSize) + v.HiddenSize + (patches * v.HiddenSize);
            var layer = (4 * ((v.HiddenSize * v.HiddenSize) + v.HiddenSize))
                        + (4 * v.HiddenSize)
                        + (v.HiddenSize * v.IntermediateSize) + v.IntermediateSize
                        + (v.IntermediateSize * v.HiddenSize) + v.HiddenSize;
            var tower = embedding + (layer * v.NumHiddenLayers) + (2 * v.HiddenSize);

            // Gemma 3 projector: soft-embedding norm over the vision width, then a projection into the text width.
            var projector = (v.HiddenSize * c.HiddenSize) + v.HiddenSize;
            return tower + projector;
        }
    }

    private static ParameterCount CountEncoder(ModelConfig c)
    {
        checked
        {
            var h = c.HiddenSize;
            var i = c.IntermediateSize;
            var positions = c.MaxPositionEmbeddings ?? 512;
            var embeddings = (c.VocabSize * h) + (positions * h) + (c.TypeVocabSize * h) + (2 * h);
            var layer = (4 * ((h * h) + h)) + (2 * 2 * h) + (h * i) + i + (i * h) + h;
            var pooler = (h * h) + h;
            return new ParameterCount(embeddings, layer * c.NumHiddenLayers, pooler, 0, 0);
        }
    }
}
