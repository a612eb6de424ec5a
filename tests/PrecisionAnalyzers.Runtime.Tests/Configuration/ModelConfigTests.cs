using PrecisionAnalyzers.Runtime.Configuration;

namespace PrecisionAnalyzers.Runtime.Tests.Configuration;

public sealed class ModelConfigTests
{
    private const string Llama = """{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100}""";

    [Theory]
    [InlineData("torch_dtype", "bfloat16", DType.BFloat16)]
    [InlineData("dtype", "float16", DType.Float16)]
    [InlineData("torch_dtype", "float32", DType.Float32)]
    [InlineData("dtype", "float64", null)]
    public void Reads_the_declared_dtype_under_either_key(string key, string value, DType? expected)
    {
        var config = ModelConfig.Parse(Llama.Replace("{", $"{{\"{key}\":\"{value}\",", StringComparison.Ordinal));

        Assert.Equal(expected, config.DeclaredDtype);
        Assert.Equal(value, config.DeclaredDtypeName);
    }

    [Fact]
    public void Reads_a_nested_text_config_gemma3_style()
    {
        const string json = """
            {"model_type":"gemma3","dtype":"bfloat16",
             "text_config":{"model_type":"gemma3_text","hidden_size":64,"intermediate_size":128,"num_hidden_layers":12,
                            "num_attention_heads":2,"num_key_value_heads":1,"head_dim":32,"vocab_size":100,"sliding_window":16,
                            "use_cache":false,"rope_theta":1000000,"rope_local_base_freq":10000,"rope_scaling":{"rope_type":"linear","factor":8.0},
                            "final_logit_softcapping":null},
             "use_cache":true}
            """;

        var config = ModelConfig.Parse(json);

        Assert.Equal("gemma3_text", config.ModelType);
        Assert.Equal("gemma3", config.OuterModelType);
        Assert.True(config.HasTextConfig);
        Assert.Equal(DType.BFloat16, config.DeclaredDtype);
        Assert.False(config.UseCache); // the text config's value, where the cache is actually built
        Assert.True(config.TieWordEmbeddings); // Gemma's class default
        Assert.Equal("gelu_pytorch_tanh", config.Activation);
        Assert.Equal(16, config.SlidingWindow);
        Assert.Equal(1_000_000, config.Rope.Theta);
        Assert.Equal("linear", config.Rope.Type);
        Assert.Equal(8.0, config.Rope.Factor);
        Assert.Equal(10_000, config.LocalRope.Theta);
        Assert.Equal("default", config.LocalRope.Type);
        Assert.Null(config.FinalLogitSoftcapping);
        var global = Enumerable.Range(0, 12).Where(i => config.LayerTypes[i] == LayerType.FullAttention).ToArray();
        Assert.Equal(new[] { 5, 11 }, global);
    }

    [Fact]
    public void Gemma2_alternates_sliding_and_global_layers_and_reads_soft_capping()
    {
        const string json = """{"model_type":"gemma2","hidden_size":64,"intermediate_size":128,"num_hidden_layers":4,"num_attention_heads":2,"num_key_value_heads":1,"head_dim":32,"vocab_size":100,"attn_logit_softcapping":50.0,"final_logit_softcapping":30.0,"query_pre_attn_scalar":144,"hidden_act":"gelu","hidden_activation":"gelu_pytorch_tanh"}""";

        var config = ModelConfig.Parse(json);

        Assert.Equal(new[] { LayerType.SlidingAttention, LayerType.FullAttention, LayerType.SlidingAttention, LayerType.FullAttention }, config.LayerTypes);
        Assert.Equal(4096, config.SlidingWindow); // class default when the key is absent
        Assert.Equal(50.0, config.AttentionLogitSoftcapping);
        Assert.Equal(30.0, config.FinalLogitSoftcapping);
        Assert.Equal(144, config.QueryPreAttentionScalar);
        Assert.Equal("gelu_pytorch_tanh", config.Activation);
    }

    [Fact]
    public void An_explicit_null_sliding_window_means_full_attention()
    {
        const string json = """{"model_type":"mistral","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"vocab_size":100,"sliding_window":null}""";

        var config = ModelConfig.Parse(json);

        Assert.Null(config.SlidingWindow);
        Assert.All(config.LayerTypes, t => Assert.Equal(LayerType.FullAttention, t));
    }

    [Fact]
    public void Qwen2_windows_only_layers_past_max_window_layers_when_enabled()
    {
        const string json = """{"model_type":"qwen2","hidden_size":64,"intermediate_size":128,"num_hidden_layers":4,"num_attention_heads":4,"num_key_value_heads":2,"vocab_size":100,"use_sliding_window":true,"sliding_window":32,"max_window_layers":2}""";

        var config = ModelConfig.Parse(json);

        Assert.Equal(new[] { LayerType.FullAttention, LayerType.FullAttention, LayerType.SlidingAttention, LayerType.SlidingAttention }, config.LayerTypes);
    }

    [Fact]
    public void Reads_v5_rope_parameters_per_layer_type()
    {
        const string json = """{"model_type":"gemma3_text","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":1,"head_dim":32,"vocab_size":100,"layer_types":["sliding_attention","full_attention"],"rope_parameters":{"sliding_attention":{"rope_type":"default","rope_theta":10000.0},"full_attention":{"rope_type":"linear","factor":8.0,"rope_theta":1000000.0}}}""";

        var config = ModelConfig.Parse(json);

        Assert.Equal(new[] { LayerType.SlidingAttention, LayerType.FullAttention }, config.LayerTypes);
        Assert.Equal(1_000_000, config.Rope.Theta);
        Assert.Equal(8.0, config.Rope.Factor);
        Assert.Equal(10_000, config.LocalRope.Theta);
    }

    [Theory]
    [InlineData("{", null, "not valid JSON")]
    [InlineData("[1,2]", null, "JSON object")]
    [InlineData("""{"hidden_size":64}""", "model_type", "required")]
    [InlineData("""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4}""", "vocab_size", "required")]
    [InlineData("""{"model_type":"llama","hidden_size":-64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10}""", "hidden_size", "at least 1")]
    [InlineData("""{"model_type":"llama","hidden_size":"64","intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10}""", "hidden_size", "number")]
    [InlineData("""{"model_type":"llama","hidden_size":64.5,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10}""", "hidden_size", "whole number")]
    [InlineData("""{"model_type":"llama","hidden_size":66,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10}""", "hidden_size", "not divisible")]
    [InlineData("""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":3,"vocab_size":10}""", "num_key_value_heads", "must divide")]
    [InlineData("""{"model_type":"gemma3","text_config":[]}""", "text_config", "object")]
    [InlineData("""{"model_type":"gemma3_text","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":2,"vocab_size":10,"layer_types":["full_attention"]}""", "layer_types", "1 entries for 2 layers")]
    [InlineData("""{"model_type":"llama","hidden_size":64,"hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10}""", "hidden_size", "appears twice")]
    [InlineData("""{"model_type":"llama","rope_scaling":{"factor":2,"factor":3},"hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10}""", "factor", "appears twice")]
    [InlineData("""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":true,"num_attention_heads":4,"vocab_size":10}""", "num_hidden_layers", "number")]
    [InlineData("""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":3000000000,"num_attention_heads":4,"vocab_size":10}""", "num_hidden_layers", "above")]
    [InlineData("""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":1e16}""", "vocab_size", "above")]
    [InlineData("""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":0,"vocab_size":10}""", "num_attention_heads", "at least 1")]
    [InlineData("""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10,"rms_norm_eps":-1}""", "rms_norm_eps", "above zero")]
    [InlineData("""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10,"rms_norm_eps":0}""", "rms_norm_eps", "above zero")]
    [InlineData("""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10,"rope_theta":0}""", "rope_theta", "above zero")]
    [InlineData("""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10,"rope_theta":1e999}""", "rope_theta", "finite number")]
    [InlineData("""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10,"rope_scaling":{"rope_type":"linear","factor":-2}}""", "rope_scaling.factor", "above zero")]
    [InlineData("""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10,"rope_scaling":{"rope_type":"llama3","factor":8,"low_freq_factor":4,"high_freq_factor":4}}""", "rope_scaling.high_freq_factor", "above low_freq_factor")]
    [InlineData("""{"model_type":"gemma2","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10,"final_logit_softcapping":0}""", "final_logit_softcapping", "above zero")]
    public void Rejects_bad_configs_naming_the_key(string json, string? key, string fragment)
    {
        var error = Assert.Throws<ModelConfigException>(() => ModelConfig.Parse(json, "/models/x/config.json"));

        Assert.Equal(key, error.Key);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("/models/x/config.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_reads_a_folder_or_the_file_and_names_a_missing_config()
    {
        var folder = Directory.CreateTempSubdirectory("precision-config-").FullName;
        try
        {
            var missing = Assert.Throws<ModelConfigException>(() => ModelConfig.Load(folder));
            Assert.Contains("has no config.json", missing.Message, StringComparison.Ordinal);

            File.WriteAllText(Path.Combine(folder, "config.json"), Llama);
            Assert.Equal("llama", ModelConfig.Load(folder).ModelType);
            Assert.Equal(4, ModelConfig.Load(Path.Combine(folder, "config.json")).NumKeyValueHeads);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
