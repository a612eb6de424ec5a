using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Hardware;
using PrecisionAnalyzers.Runtime.Planning;
using Xunit.Abstractions;

namespace PrecisionAnalyzers.Runtime.Tests.Planning;

/// <summary>The decisions of <c>precision plan --export vllm</c>, each checked alone on published model shapes.</summary>
public sealed class VllmExporterTests(ITestOutputHelper output)
{
    // Size-determining keys of the published config.json files.
    private const string Llama31_70B = """{"model_type":"llama","hidden_size":8192,"intermediate_size":28672,"num_hidden_layers":80,"num_attention_heads":64,"num_key_value_heads":8,"vocab_size":128256,"max_position_embeddings":131072,"torch_dtype":"bfloat16","rope_theta":500000.0}""";
    private const string Llama31_405B = """{"model_type":"llama","hidden_size":16384,"intermediate_size":53248,"num_hidden_layers":126,"num_attention_heads":128,"num_key_value_heads":8,"vocab_size":128256,"max_position_embeddings":131072,"torch_dtype":"bfloat16"}""";
    private const string Llama3_8B = """{"model_type":"llama","hidden_size":4096,"intermediate_size":14336,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,"vocab_size":128256,"max_position_embeddings":8192,"torch_dtype":"bfloat16"}""";
    private const string Gemma2_9B = """{"model_type":"gemma2","hidden_size":3584,"intermediate_size":14336,"num_hidden_layers":42,"num_attention_heads":16,"num_key_value_heads":8,"head_dim":256,"vocab_size":256000,"sliding_window":4096,"max_position_embeddings":8192,"torch_dtype":"float32"}""";
    private const string Gemma3_1B = """{"model_type":"gemma3_text","hidden_size":1152,"intermediate_size":6912,"num_hidden_layers":26,"num_attention_heads":4,"num_key_value_heads":1,"head_dim":256,"vocab_size":262144,"sliding_window":512,"sliding_window_pattern":6,"max_position_embeddings":32768,"torch_dtype":"bfloat16"}""";

    [Fact]
    public void A_70B_model_on_eight_H100s_is_split_four_ways_in_bfloat16_with_its_full_context()
    {
        var plan = Plan(Llama31_70B, "8xh100-80gb");

        Assert.True(plan.CanServe, plan.Error);
        Assert.Equal("bfloat16", plan.Value("--dtype"));
        Assert.Equal("4", plan.Value("--tensor-parallel-size"));
        Assert.Equal("1", plan.Value("--pipeline-parallel-size"));
        Assert.Equal("131072", plan.Value("--max-model-len"));
        Assert.Null(plan.Value("--quantization"));
        Assert.Null(plan.Value("--distributed-executor-backend"));
    }

    [Fact]
    public void A_405B_model_on_two_nodes_of_eight_H100s_uses_tensor_parallel_in_a_node_and_pipeline_parallel_across_them()
    {
        var plan = Plan(Llama31_405B, "2x8xh100-80gb");

        Assert.True(plan.CanServe, plan.Error);
        Assert.Equal("8", plan.Value("--tensor-parallel-size"));
        Assert.Equal("2", plan.Value("--pipeline-parallel-size"));
        Assert.Equal("ray", plan.Value("--distributed-executor-backend"));
        Assert.NotEmpty(plan.Before);
    }

    [Fact]
    public void A_70B_model_that_fits_two_H100s_only_in_FP8_is_quantized_with_the_reason()
    {
        var plan = Plan(Llama31_70B, "2xh100-80gb");

        Assert.True(plan.CanServe, plan.Error);
        Assert.Equal("fp8", plan.Value("--quantization"));
        Assert.Equal("2", plan.Value("--tensor-parallel-size"));
        Assert.Contains("FP8", plan.Flags.Single(f => f.Name == "--quantization").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Where_16_bit_weights_fit_nowhere_and_the_GPUs_lack_FP8_there_is_no_command()
    {
        var plan = Plan(Llama31_70B, "a100-80gb");

        Assert.False(plan.CanServe);
        Assert.Contains("8.9", plan.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("vllm serve", plan.ToScript(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4xt4-16gb")]
    [InlineData("2xt4-16gb")]
    public void Gemma_on_T4s_is_never_float16_and_never_bfloat16_but_float32(string hardware)
    {
        var plan = Plan(Gemma2_9B, hardware);
        output.WriteLine(plan.ToScript());

        if (plan.CanServe)
        {
            Assert.Equal("float32", plan.Value("--dtype"));
            Assert.Contains("unsafe in float16", plan.Flags.Single(f => f.Name == "--dtype").Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("float32", plan.Error, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("--dtype float16", plan.ToScript(), StringComparison.Ordinal);
        Assert.DoesNotContain("--dtype bfloat16", plan.ToScript(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_small_Gemma_3_on_one_T4_runs_in_float32_with_the_context_the_cache_leaves()
    {
        var plan = Plan(Gemma3_1B, "t4-16gb");

        Assert.True(plan.CanServe, plan.Error);
        Assert.Equal("float32", plan.Value("--dtype"));
        Assert.Equal("1", plan.Value("--tensor-parallel-size"));
        Assert.True(long.Parse(plan.Value("--max-model-len")!, System.Globalization.CultureInfo.InvariantCulture) <= 32768);
    }

    [Fact]
    public void Even_an_explicit_float16_request_for_Gemma_is_served_in_a_safe_dtype()
    {
        var plan = VllmExporter.Plan(ModelConfig.Parse(Gemma3_1B), HardwareProfiles.Resolve("a100-80gb"), "/models/gemma", DType.Float16);

        Assert.NotEqual("float16", plan.Value("--dtype"));
    }

    [Fact]
    public void A_bfloat16_checkpoint_of_an_FP16_safe_family_on_T4s_becomes_float16_never_bfloat16()
    {
        var plan = Plan(Llama3_8B, "2xt4-16gb");

        Assert.True(plan.CanServe, plan.Error);
        Assert.Equal("float16", plan.Value("--dtype"));
        Assert.Contains("PREC", plan.Flags.Single(f => f.Name == "--dtype").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Pascal_GPUs_are_below_what_vLLM_runs_on()
    {
        var plan = Plan(Gemma3_1B, "pascal-5gb");

        Assert.False(plan.CanServe);
        Assert.Contains("7.0", plan.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shorter_context_asked_for_is_the_max_model_len()
    {
        var plan = VllmExporter.Plan(ModelConfig.Parse(Llama31_70B), HardwareProfiles.Resolve("8xh100-80gb"), "/models/llama", context: 32768);

        Assert.Equal("32768", plan.Value("--max-model-len"));
    }

    [Theory]
    [InlineData("8xh100-80gb", 1, 8, "9.0")]
    [InlineData("2x8xa100-80gb", 2, 8, "8.0")]
    [InlineData("4xt4-16gb", 1, 4, "7.5")]
    public void Profiles_take_GPU_and_node_counts(string name, int nodes, int gpus, string capability)
    {
        var profile = HardwareProfiles.Resolve(name);

        Assert.Equal(name, profile.Name);
        Assert.Equal(nodes, profile.Nodes);
        Assert.Equal(gpus, profile.Gpus.Count);
        Assert.Equal(Enumerable.Range(0, gpus), profile.Gpus.Select(g => g.Index));
        Assert.All(profile.Gpus, g => Assert.Equal(capability, g.ComputeCapability));
    }

    [Theory]
    [InlineData("8xcpu-only")]
    [InlineData("0xh100-80gb")]
    [InlineData("8xh100")]
    public void Multipliers_need_a_one_GPU_profile(string name) =>
        Assert.Throws<HardwareProfileException>(() => HardwareProfiles.Resolve(name));

    private VllmPlan Plan(string config, string hardware)
    {
        var plan = VllmExporter.Plan(ModelConfig.Parse(config), HardwareProfiles.Resolve(hardware), "/models/m");
        output.WriteLine(plan.ToScript());
        return plan;
    }
}
