using PrecisionAnalyzers.Runtime.Configuration;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// Gemma 2: Gemma plus four norms per layer, attention scale <c>query_pre_attn_scalar^-0.5</c>, attention and final
/// logit soft-capping (class defaults 50 and 30), sliding window on even layers.
/// </summary>
public sealed class Gemma2Family : DecoderFamily
{
    public override string ModelType => "gemma2";

    public override NormStyle NormStyle => NormStyle.OnePlusWeightInFloat32;

    public override bool ScalesEmbeddings => true;

    public override bool SandwichNorms => true;

    public override double AttentionScale(ModelConfig config) => 1.0 / Math.Sqrt(config.QueryPreAttentionScalar ?? 256);

    public override double? AttentionSoftcap(ModelConfig config) => config.AttentionLogitSoftcapping ?? 50.0;

    public override double? FinalLogitSoftcap(ModelConfig config) => config.FinalLogitSoftcapping ?? 30.0;
}
