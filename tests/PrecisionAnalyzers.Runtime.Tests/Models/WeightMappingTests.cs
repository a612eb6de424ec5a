using PrecisionAnalyzers.Runtime.Models;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

public sealed class WeightMappingTests
{
    [Fact]
    public void Missing_unexpected_and_misshaped_weights_are_listed_together()
    {
        using var tiny = TinyModelFactory.Create("qwen2");
        var weights = tiny.Weights.ToDictionary(p => p.Key, p => p.Value);
        weights.Remove("model.layers.1.self_attn.k_proj.bias");
        weights.Remove("model.norm.weight");
        using var extra = zeros(3);
        weights["model.layers.0.self_attn.extra.weight"] = extra;
        using var wrong = zeros(64, 31);
        weights["model.layers.2.mlp.up_proj.weight"] = wrong;

        var error = Assert.Throws<WeightMappingException>(() => DecoderModel.Build(tiny.Config, new StateDictWeightSource(weights), DType.Float32));

        Assert.Equal(["model.layers.1.self_attn.k_proj.bias", "model.norm.weight"], error.Missing.Order());
        Assert.Equal(["model.layers.0.self_attn.extra.weight"], error.Unexpected);
        Assert.Equal(["model.layers.2.mlp.up_proj.weight: expected [64, 32], found [64, 31]"], error.MisShaped);
        Assert.Contains("missing (2)", error.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected (1)", error.Message, StringComparison.Ordinal);
        Assert.Contains("mis-shaped (1)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Llama_weights_are_not_a_qwen2_model()
    {
        using var llama = TinyModelFactory.Create("llama");
        using var qwen = TinyModelFactory.Create("qwen2");
        var error = Assert.Throws<WeightMappingException>(() => DecoderModel.Build(qwen.Config, llama.WeightSource, DType.Float32));
        Assert.Contains("model.layers.0.self_attn.q_proj.bias", error.Missing);
        Assert.Empty(error.Unexpected); // llama's lm_head is the copy a tied checkpoint may carry, so it is accepted
    }

    [Fact]
    public void Gemma3_multimodal_accepts_both_prefixes_and_ignores_the_vision_tower()
    {
        using var hub = TinyModelFactory.Create("gemma3");
        Assert.Contains(hub.Weights.Keys, name => name.StartsWith("language_model.model.", StringComparison.Ordinal));
        Assert.Contains(hub.Weights.Keys, name => name.StartsWith("vision_tower.", StringComparison.Ordinal));
        Assert.True(hub.Config.HasTextConfig);

        // Re-saved with transformers' in-memory names: model.language_model.*, model.vision_tower.*, lm_head.
        var renamed = hub.Weights.ToDictionary(
            p => p.Key.Replace("language_model.model.", "model.language_model.", StringComparison.Ordinal)
                      .Replace("vision_tower.", "model.vision_tower.", StringComparison.Ordinal)
                      .Replace("multi_modal_projector.", "model.multi_modal_projector.", StringComparison.Ordinal),
            p => p.Value);

        using var a = DecoderModel.Build(hub.Config, hub.WeightSource, DType.Float32);
        using var b = DecoderModel.Build(hub.Config, new StateDictWeightSource(renamed), DType.Float32);
        using var ids = ModelTestData.Ids(ModelTestData.Prompt);
        using var la = a.Forward(ids);
        using var lb = b.Forward(ids);
        Assert.True(la.allclose(lb, 0, 0));

        using var text = TinyModelFactory.Create("gemma3_text");
        using var c = DecoderModel.Build(text.Config, text.WeightSource, DType.Float32);
        using var lc = c.Forward(ids);
        Assert.True(la.allclose(lc), "same seed per weight name: the multimodal language model equals the text model");
    }

    [Fact]
    public void A_tied_checkpoint_that_also_stores_the_head_is_accepted()
    {
        using var tiny = TinyModelFactory.Create("gemma");
        var weights = tiny.Weights.ToDictionary(p => p.Key, p => p.Value);
        weights["lm_head.weight"] = tiny.Weights["model.embed_tokens.weight"];
        using var model = DecoderModel.Build(tiny.Config, new StateDictWeightSource(weights), DType.Float32);
        Assert.Equal(tiny.Weights.Count, model.StateDict.Count);
    }

    [Fact]
    public void An_unknown_model_type_is_refused_with_the_known_ones()
    {
        var config = PrecisionAnalyzers.Runtime.Configuration.ModelConfig.Parse("""{"model_type":"phi3","hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":10}""");
        using var tiny = TinyModelFactory.Create("llama");
        var error = Assert.Throws<PrecisionAnalyzers.Runtime.Diagnostics.UnsupportedModelException>(() => DecoderModel.Build(config, tiny.WeightSource, DType.Float32));
        Assert.Equal("PREC111", error.Code);
        Assert.Contains("phi3", error.Message, StringComparison.Ordinal);
        Assert.Contains("gemma3_text", error.Message, StringComparison.Ordinal);
    }
}
