using PrecisionAnalyzers.Runtime.Configuration;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// Gemma 3 (text, and the language model of multimodal checkpoints): Gemma 2's layer plus per-head QK-norm, a local
/// RoPE base on sliding layers and the global base (with its scaling) on full layers, soft-capping only when configured.
/// Multimodal checkpoints keep the decoder under <c>language_model.model.</c> (hub files) or <c>model.language_model.</c>
/// (re-saved in transformers' in-memory names); the vision tower and projector are skipped.
/// </summary>
public sealed class Gemma3Family : DecoderFamily
{
    private static readonly WeightLayout HubMultimodal = new("language_model.model.", "language_model.lm_head.weight");
    private static readonly WeightLayout InMemoryMultimodal = new("model.language_model.", "lm_head.weight");

    public override string ModelType => "gemma3_text";

    public override NormStyle NormStyle => NormStyle.OnePlusWeightInFloat32;

    public override bool ScalesEmbeddings => true;

    public override bool SandwichNorms => true;

    public override bool QkNorm => true;

    public override double AttentionScale(ModelConfig config) => 1.0 / Math.Sqrt(config.QueryPreAttentionScalar ?? 256);

    public override RopeParameters Rope(ModelConfig config, int layer) =>
        config.LayerTypes[layer] == LayerType.SlidingAttention ? config.LocalRope : config.Rope;

    public override WeightLayout Layout(IWeightSource weights)
    {
        foreach (var layout in new[] { HubMultimodal, InMemoryMultimodal })
        {
            if (weights.Shape(layout.ModelPrefix + "embed_tokens.weight") is not null)
            {
                return layout;
            }
        }

        return WeightLayout.Standard;
    }

    public override bool IsIgnored(string name) =>
        base.IsIgnored(name)
        || name.StartsWith("vision_tower.", StringComparison.Ordinal)
        || name.StartsWith("multi_modal_projector.", StringComparison.Ordinal)
        || name.StartsWith("model.vision_tower.", StringComparison.Ordinal)
        || name.StartsWith("model.multi_modal_projector.", StringComparison.Ordinal);
}
