using PrecisionAnalyzers.Runtime.Configuration;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// The ways one model family's decoder differs from the shared one, each a small named piece. The defaults are
/// Llama's; a family overrides only what it changes. Register new families in <see cref="DecoderFamilies"/>.
/// </summary>
public abstract class DecoderFamily
{
    /// <summary>The <c>model_type</c> of the language model (the text config's for multimodal checkpoints).</summary>
    public abstract string ModelType { get; }

    /// <summary>How RMSNorm applies its weight and where it casts back.</summary>
    public virtual NormStyle NormStyle => NormStyle.CastThenScale;

    /// <summary>Gemma multiplies input embeddings by √hidden_size, rounded to the hidden dtype first.</summary>
    public virtual bool ScalesEmbeddings => false;

    /// <summary>Gemma 2/3: four norms per layer (post-attention and pre/post-feed-forward norms around each block).</summary>
    public virtual bool SandwichNorms => false;

    /// <summary>Gemma 3: queries and keys are RMS-normalised per head before RoPE.</summary>
    public virtual bool QkNorm => false;

    /// <summary>Qwen2: the q/k/v projections carry a bias (o_proj does not).</summary>
    public virtual bool QkvBias => false;

    /// <summary>The gated MLP's activation.</summary>
    public virtual MlpActivation Activation(ModelConfig config) => MlpActivations.FromName(config.Activation);

    /// <summary>The factor attention scores are multiplied by: head_dim^-0.5 unless the family says otherwise.</summary>
    public virtual double AttentionScale(ModelConfig config) => 1.0 / Math.Sqrt(config.HeadDim);

    /// <summary>The attention-score soft cap (<c>cap·tanh(s/cap)</c>), or null for none.</summary>
    public virtual double? AttentionSoftcap(ModelConfig config) => config.AttentionLogitSoftcapping;

    /// <summary>The final-logit soft cap, or null for none.</summary>
    public virtual double? FinalLogitSoftcap(ModelConfig config) => config.FinalLogitSoftcapping;

    /// <summary>The RoPE settings of layer <paramref name="layer"/>.</summary>
    public virtual RopeParameters Rope(ModelConfig config, int layer) => config.Rope;

    /// <summary>The attention window of layer <paramref name="layer"/> in tokens, or null for full causal attention.</summary>
    public virtual long? Window(ModelConfig config, int layer) =>
        layer < config.LayerTypes.Count && config.LayerTypes[layer] == LayerType.SlidingAttention ? config.SlidingWindow : null;

    /// <summary>Where the language model's weights sit among the names of <paramref name="weights"/>.</summary>
    public virtual WeightLayout Layout(IWeightSource weights) => WeightLayout.Standard;

    /// <summary>Names in a checkpoint that are not weights of the language model and are skipped without complaint.</summary>
    public virtual bool IsIgnored(string name) => name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal);
}

/// <summary>How an RMSNorm applies its weight.</summary>
public enum NormStyle
{
    /// <summary>Llama: normalise in FP32, cast back to the activation dtype, then multiply by the weight.</summary>
    CastThenScale,

    /// <summary>Gemma: normalise and multiply by <c>(1 + weight)</c> in FP32, then cast back.</summary>
    OnePlusWeightInFloat32,
}

/// <summary>Where a checkpoint keeps the decoder's weights.</summary>
/// <param name="ModelPrefix">Prefix of the decoder body (<c>model.</c>): <c>embed_tokens</c>, <c>layers</c>, <c>norm</c>.</param>
/// <param name="HeadName">The full name of the output projection (<c>lm_head.weight</c>).</param>
public sealed record WeightLayout(string ModelPrefix, string HeadName)
{
    public static WeightLayout Standard { get; } = new("model.", "lm_head.weight");
}
