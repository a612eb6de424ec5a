using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Hardware;
using PrecisionAnalyzers.Runtime.Planning;
using Xunit.Abstractions;

namespace PrecisionAnalyzers.Runtime.Tests.Planning;

/// <summary>Weight-only quantization planned with the dtype and the device, on the named hardware profiles.</summary>
public sealed class QuantizationPlanningTests(ITestOutputHelper output)
{
    // google/gemma-2b's size-determining keys (2.5B parameters, tied embeddings).
    private static ModelConfig Gemma2B() => ModelConfig.Parse(
        """{"model_type":"gemma","hidden_size":2048,"intermediate_size":16384,"num_hidden_layers":18,"num_attention_heads":8,"num_key_value_heads":1,"head_dim":256,"vocab_size":256000,"hidden_act":"gelu","max_position_embeddings":8192,"torch_dtype":"bfloat16"}""");

    // google/gemma-3-12b-it's size-determining keys (about 12B parameters with the vision tower).
    private static ModelConfig Gemma3_12B() => ModelConfig.Parse(
        """{"model_type":"gemma3","torch_dtype":"bfloat16","text_config":{"model_type":"gemma3_text","hidden_size":3840,"intermediate_size":15360,"num_hidden_layers":48,"num_attention_heads":16,"num_key_value_heads":8,"head_dim":256,"vocab_size":262208,"sliding_window":1024},"vision_config":{"hidden_size":1152,"image_size":896,"intermediate_size":4304,"num_hidden_layers":27,"patch_size":14}}""");

    private PrecisionPlan Plan(ModelConfig config, HardwareProfile profile, WeightQuantization quantization)
    {
        var plan = new PrecisionPlanner().Plan(config, PlanDevices.From(profile, isLocal: false), new PlanRequest(Quantization: quantization));
        output.WriteLine($"{config.ModelType} on {profile.Name}, quantize {quantization}: {plan.Dtype} {plan.Quantization} on {plan.Device}");
        foreach (var reason in plan.Reasons)
        {
            output.WriteLine("  - " + reason);
        }

        foreach (var warning in plan.Warnings)
        {
            output.WriteLine($"  ! {warning.Code}: {warning.Message}");
        }

        return plan;
    }

    [Fact]
    public void Gemma_3_12B_on_a_T4_plans_int8_with_float32_compute_and_says_what_it_costs()
    {
        var plan = Plan(Gemma3_12B(), HardwareProfiles.T4, WeightQuantization.Auto);

        Assert.Equal("cuda:0", plan.Device);
        Assert.Equal(WeightQuantization.Int8, plan.Quantization);
        Assert.Equal(DType.Float32, plan.Dtype); // a T4 has no BF16 GEMM and Gemma overflows in FP16
        Assert.True(plan.QuantizeLmHead, "the tied embedding table has to be quantized too for int8 to fit");
        Assert.Contains(plan.Reasons, r => r.Contains("does not fit", StringComparison.Ordinal) && r.Contains("float32", StringComparison.Ordinal));
        Assert.Contains(plan.Reasons, r => r.Contains("unsafe in float16", StringComparison.Ordinal));
        Assert.Contains(plan.Reasons, r => r.StartsWith("quantization auto: no unquantized dtype fits cuda:0", StringComparison.Ordinal));
        var warning = Assert.Single(plan.Warnings, w => w.Code == RuntimeCodes.QuantizedToFit);
        Assert.Contains("Cost:", warning.Message, StringComparison.Ordinal);
        Assert.True(plan.RequiredBytes * (1 + PrecisionPlanner.Headroom) <= 15.5e9);
    }

    [Fact]
    public void Gemma_3_12B_on_a_T4_never_computes_in_float16_whatever_is_asked_to_quantize()
    {
        foreach (var quantization in new[] { WeightQuantization.Int8, WeightQuantization.Int4, WeightQuantization.Auto })
        {
            var plan = new PrecisionPlanner().Plan(Gemma3_12B(), PlanDevices.From(HardwareProfiles.T4, isLocal: false), new PlanRequest(Quantization: quantization, QuantizeLmHead: true));
            Assert.NotEqual(DType.Float16, plan.Dtype);
            Assert.True(plan.CanRun);
        }
    }

    /// <summary>
    /// pascal-5gb's GPU cannot run TorchSharp 0.107's libtorch at all (compute 6.1 &lt; 7.5, PREC106), so on the profile as
    /// named the model goes to the CPU, where float32 fits and auto does not quantize.
    /// </summary>
    [Fact]
    public void Gemma_2B_on_pascal_5gb_as_named_goes_to_the_cpu_unquantized_because_the_gpu_has_no_kernels()
    {
        var plan = Plan(Gemma2B(), HardwareProfiles.Pascal5GB, WeightQuantization.Auto);

        Assert.Equal("cpu", plan.Device);
        Assert.Equal(WeightQuantization.None, plan.Quantization);
        Assert.Contains(plan.Warnings, w => w.Code == RuntimeCodes.DeviceNotUsable);
        Assert.DoesNotContain(plan.Warnings, w => w.Code == RuntimeCodes.QuantizedToFit);
    }

    /// <summary>The same 5 GB Pascal with a libtorch that has its kernels (a CUDA 12.6 build): int8 weights, FP32 compute, on the GPU.</summary>
    [Fact]
    public void Gemma_2B_on_a_usable_5_GB_Pascal_plans_int8_weights_with_float32_compute_on_the_gpu()
    {
        var devices = PlanDevices.From(HardwareProfiles.Pascal5GB, isLocal: false).Select(d => d with { UnusableReason = null }).ToArray();
        var plan = new PrecisionPlanner().Plan(Gemma2B(), devices, new PlanRequest(Quantization: WeightQuantization.Auto));
        foreach (var reason in plan.Reasons)
        {
            output.WriteLine("  - " + reason);
        }

        Assert.Equal("cuda:0", plan.Device);
        Assert.Equal(WeightQuantization.Int8, plan.Quantization);
        Assert.Equal(DType.Float32, plan.Dtype);
        // 4.5 GB free (5 GB less the CUDA context): int8 projections with a float32 embedding table need 4.8 GB with headroom.
        Assert.True(plan.QuantizeLmHead, "the tied embedding table has to be quantized too for int8 to fit in 4.5 GB");
        Assert.Contains(plan.Reasons, r => r.Contains("int8 weights for the layers' projections with float32 compute would need", StringComparison.Ordinal));
        Assert.Contains(plan.Reasons, r => r.Contains("cannot run bfloat16", StringComparison.Ordinal) && r.Contains("unsafe in float16", StringComparison.Ordinal));
        Assert.Contains(plan.Reasons, r => r.Contains("float32 needs", StringComparison.Ordinal) && r.Contains("does not fit", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.Code == RuntimeCodes.QuantizedToFit && w.Message.Contains("int8", StringComparison.Ordinal));
    }

    [Fact]
    public void Auto_does_not_quantize_where_an_unquantized_dtype_fits()
    {
        var plan = Plan(Gemma2B(), HardwareProfiles.A100, WeightQuantization.Auto);

        Assert.Equal(WeightQuantization.None, plan.Quantization);
        Assert.Equal(DType.BFloat16, plan.Dtype);
        Assert.DoesNotContain(plan.Warnings, w => w.Code == RuntimeCodes.QuantizedToFit);
    }

    [Fact]
    public void Without_quantization_asked_the_t4_plan_stays_unquantized_and_goes_elsewhere()
    {
        var plan = Plan(Gemma3_12B(), HardwareProfiles.T4, WeightQuantization.None);

        Assert.Equal(WeightQuantization.None, plan.Quantization);
        Assert.NotEqual("cuda:0", plan.Device);
    }

    [Fact]
    public void Training_refuses_an_explicitly_quantized_base_and_auto_never_quantizes_it()
    {
        var devices = PlanDevices.From(HardwareProfiles.A100, isLocal: false);
        var refused = new PrecisionPlanner().Plan(Gemma2B(), devices, new PlanRequest(Mode: PlanMode.LoraTraining, Quantization: WeightQuantization.Int8));
        var auto = new PrecisionPlanner().Plan(Gemma2B(), devices, new PlanRequest(Mode: PlanMode.LoraTraining, Quantization: WeightQuantization.Auto));

        Assert.False(refused.CanRun);
        Assert.Contains(refused.Reasons, r => r.Contains("QLoRA", StringComparison.Ordinal));
        Assert.True(auto.CanRun);
        Assert.Equal(WeightQuantization.None, auto.Quantization);
    }

    [Fact]
    public void Each_quantization_option_reports_its_memory_and_int4_is_smallest()
    {
        var plan = Plan(Gemma2B(), HardwareProfiles.A100, WeightQuantization.None);
        var int8 = plan.QuantizedWeightBytes[WeightQuantization.Int8];
        var int4 = plan.QuantizedWeightBytes[WeightQuantization.Int4];

        Assert.True(int4 < int8 && int8 < plan.WeightBytes[plan.Dtype!.Value], $"{int4} < {int8} < {plan.WeightBytes[plan.Dtype.Value]}");
        // gemma-2b in bfloat16 with int8 projections: 1.98 G projection weights at 34 bytes a block, the rest 2 bytes each.
        var projections = 18L * ((2048L * 2048 * 2) + (256L * 2048 * 2) + (16384L * 2048 * 3));
        Assert.Equal(((plan.Parameters - projections) * 2) + (projections / 32 * 34), int8);
    }
}
