using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Planning;

namespace PrecisionAnalyzers.Runtime.Tests.Planning;

public sealed class MemoryEstimatorTests
{
    [Fact]
    public void Gemma3_12B_weights_are_about_47_GB_in_FP32_and_half_in_BF16()
    {
        // The first failure of DESIGN.md: the 12B model that loaded in FP32 for want of a dtype.
        const string json = """{"model_type":"gemma3","text_config":{"model_type":"gemma3_text","hidden_size":3840,"intermediate_size":15360,"num_hidden_layers":48,"num_attention_heads":16,"num_key_value_heads":8,"head_dim":256,"vocab_size":262208,"sliding_window":1024}}""";
        var parameters = ParameterCounter.Count(ModelConfig.Parse(json)).Total;

        Assert.InRange(MemoryEstimator.WeightBytes(parameters, DType.Float32) / 1e9, 46.5, 48.0);
        Assert.Equal(MemoryEstimator.WeightBytes(parameters, DType.Float32), 2 * MemoryEstimator.WeightBytes(parameters, DType.BFloat16));
    }

    [Fact]
    public void Kv_cache_caps_sliding_layers_at_the_window()
    {
        // Six layers, pattern 6: five sliding (window 512) and one global.
        const string json = """{"model_type":"gemma3_text","hidden_size":64,"intermediate_size":128,"num_hidden_layers":6,"num_attention_heads":2,"num_key_value_heads":1,"head_dim":16,"vocab_size":100,"sliding_window":512}""";
        var config = ModelConfig.Parse(json);

        var bytes = MemoryEstimator.KvCacheBytes(config, 8192, DType.BFloat16);

        const long perToken = 2 * 1 * 16 * 2;
        Assert.Equal((5 * 512 * perToken) + (1 * 8192 * perToken), bytes);
    }

    [Fact]
    public void Kv_cache_is_full_length_without_a_window()
    {
        const string json = """{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":3,"num_attention_heads":4,"num_key_value_heads":2,"vocab_size":100}""";

        var bytes = MemoryEstimator.KvCacheBytes(ModelConfig.Parse(json), 1000, DType.Float32);

        Assert.Equal(3L * 2 * 2 * 16 * 1000 * 4, bytes);
    }

    [Fact]
    public void Encoders_have_no_kv_cache()
    {
        const string json = """{"model_type":"bert","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100}""";

        Assert.Equal(0, MemoryEstimator.KvCacheBytes(ModelConfig.Parse(json), 512, DType.Float32));
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.BFloat16)]
    [InlineData(DType.Float16)]
    public void Full_fine_tuning_with_Adam_takes_16_bytes_a_parameter(DType dtype)
    {
        Assert.Equal(16_000, MemoryEstimator.FullFineTuneBytes(1000, dtype));
    }
}
