using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Planning;

namespace PrecisionAnalyzers.Runtime.Tests.Planning;

public sealed class PrecisionPlannerTests
{
    private const long GB = 1_000_000_000;

    private static readonly PlanDevice CpuWithBf16 = new("cpu", "AMD EPYC (avx512_bf16)", false, 20 * GB, null, true, true, true, false, false);
    private static readonly PlanDevice CpuWithoutBf16 = new("cpu", "Intel Xeon (AVX2)", false, 20 * GB, null, true, false, true, false, false);
    private static readonly PlanDevice SmallCpu = CpuWithoutBf16 with { MemoryBytes = 8 * GB };
    private static readonly PlanDevice T4 = new("cuda:0", "Tesla T4 (compute 7.5)", true, 15 * GB, null, false, false, true, true, false);
    private static readonly PlanDevice A100 = new("cuda:0", "A100 (compute 8.0)", true, 80 * GB, null, true, true, true, true, false);
    private static readonly PlanDevice Pascal = new("cuda:0", "Quadro P2200 (compute 6.1)", true, 5 * GB, "compute capability 6.1 is older than the 7.5 that TorchSharp 0.107's CUDA 12.8 libtorch runs", false, false, true, true, false);

    private static ModelConfig Llama(string dtype = "float32", int layers = 2) => ModelConfig.Parse(
        $$"""{"model_type":"llama","hidden_size":256,"intermediate_size":512,"num_hidden_layers":{{layers}},"num_attention_heads":4,"vocab_size":1000,"torch_dtype":"{{dtype}}"}""");

    private static ModelConfig Gemma2(string dtype = "float32") => ModelConfig.Parse(
        $$"""{"model_type":"gemma2","hidden_size":256,"intermediate_size":512,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"head_dim":64,"vocab_size":1000,"torch_dtype":"{{dtype}}"}""");

    // The size-determining keys of google/gemma-3-12b-it: about 12B parameters, 47 GB in FP32, 24 GB in BF16.
    private static ModelConfig Gemma3_12B() => ModelConfig.Parse(
        """{"model_type":"gemma3","torch_dtype":"bfloat16","text_config":{"model_type":"gemma3_text","hidden_size":3840,"intermediate_size":15360,"num_hidden_layers":48,"num_attention_heads":16,"num_key_value_heads":8,"head_dim":256,"vocab_size":262208,"sliding_window":1024},"vision_config":{"hidden_size":1152,"image_size":896,"intermediate_size":4304,"num_hidden_layers":27,"patch_size":14}}""");

    private static PrecisionPlan Plan(ModelConfig config, PlanRequest? request, params PlanDevice[] devices) =>
        new PrecisionPlanner().Plan(config, devices, request);

    [Fact]
    public void Auto_on_a_CPU_with_native_BF16_takes_BF16()
    {
        var plan = Plan(Llama("float32"), null, CpuWithBf16);

        Assert.Equal(DType.BFloat16, plan.Dtype);
        Assert.Equal("cpu", plan.Device);
        Assert.Contains(plan.Reasons, r => r.Contains("native BF16", StringComparison.Ordinal));
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void Auto_on_a_CPU_without_native_BF16_takes_FP32_even_for_a_BF16_checkpoint()
    {
        var plan = Plan(Llama("bfloat16"), null, CpuWithoutBf16);

        Assert.Equal(DType.Float32, plan.Dtype);
        Assert.Contains(plan.Reasons, r => r.Contains("no native BF16", StringComparison.Ordinal));
    }

    [Fact]
    public void Auto_loads_an_FP32_checkpoint_as_BF16_on_an_Ampere_GPU()
    {
        var plan = Plan(Llama("float32"), null, A100, CpuWithBf16);

        Assert.Equal(DType.BFloat16, plan.Dtype);
        Assert.Equal("cuda:0", plan.Device);
    }

    [Fact]
    public void Auto_takes_an_FP16_checkpoint_of_a_safe_family_as_FP16_on_a_GPU()
    {
        var plan = Plan(Llama("float16"), null, A100);

        Assert.Equal(DType.Float16, plan.Dtype);
    }

    [Fact]
    public void Auto_on_a_Turing_GPU_converts_a_BF16_checkpoint_to_FP16_and_warns()
    {
        var plan = Plan(Llama("bfloat16"), null, T4);

        Assert.Equal(DType.Float16, plan.Dtype);
        Assert.Equal("cuda:0", plan.Device);
        Assert.Contains(plan.Warnings, w => w.Code == RuntimeCodes.BFloat16Unsupported);
    }

    [Theory]
    [InlineData("float32")]
    [InlineData("bfloat16")]
    [InlineData("float16")]
    public void Auto_never_gives_an_FP16_unsafe_family_FP16(string checkpoint)
    {
        var onTuring = Plan(Gemma2(checkpoint), null, T4);
        var onAmpere = Plan(Gemma2(checkpoint), null, A100);

        Assert.Equal(DType.Float32, onTuring.Dtype);
        Assert.Contains(onTuring.Reasons, r => r.Contains("unsafe in float16", StringComparison.Ordinal));
        Assert.Equal(DType.BFloat16, onAmpere.Dtype);
    }

    [Fact]
    public void Explicit_dtype_is_honoured_when_the_device_runs_it()
    {
        var plan = Plan(Llama("bfloat16"), new PlanRequest(Dtype: DType.Float32), A100);

        Assert.Equal(DType.Float32, plan.Dtype);
        Assert.Contains(plan.Reasons, r => r.Contains("requested explicitly", StringComparison.Ordinal));
    }

    [Fact]
    public void Explicit_BF16_on_a_GPU_below_compute_8_falls_back_with_PREC101()
    {
        var plan = Plan(Llama(), new PlanRequest(Dtype: DType.BFloat16), T4);

        Assert.Equal(DType.Float16, plan.Dtype);
        var warning = Assert.Single(plan.Warnings, w => w.Code == RuntimeCodes.BFloat16Unsupported);
        Assert.Contains("compute capability 8.0", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Explicit_BF16_on_a_GPU_below_compute_8_is_an_error_when_strict()
    {
        var plan = Plan(Llama(), new PlanRequest(Dtype: DType.BFloat16, Strict: true), T4);

        Assert.False(plan.CanRun);
        Assert.Contains(plan.Warnings, w => w.Code == RuntimeCodes.BFloat16Unsupported);
    }

    [Fact]
    public void Explicit_FP16_on_an_unsafe_family_warns_PREC102_and_strict_refuses()
    {
        var lenient = Plan(Gemma2(), new PlanRequest(Dtype: DType.Float16), A100);
        var strict = Plan(Gemma2(), new PlanRequest(Dtype: DType.Float16, Strict: true), A100);

        Assert.Equal(DType.Float16, lenient.Dtype);
        Assert.Contains(lenient.Warnings, w => w.Code == RuntimeCodes.Float16UnsafeFamily);
        Assert.False(strict.CanRun);
        Assert.Contains(strict.Warnings, w => w.Code == RuntimeCodes.Float16UnsafeFamily);
    }

    [Fact]
    public void Explicit_FP16_on_a_CPU_without_native_FP16_warns_that_it_is_slow()
    {
        var plan = Plan(Llama(), new PlanRequest(Dtype: DType.Float16), CpuWithBf16);

        Assert.Equal(DType.Float16, plan.Dtype);
        Assert.Contains(plan.Warnings, w => w.Code == RuntimeCodes.SlowOnCpu);
    }

    [Fact]
    public void Failure_5_a_Pascal_GPU_is_skipped_with_the_reason_and_the_model_goes_to_the_CPU()
    {
        var plan = Plan(Llama("bfloat16", layers: 8), null, Pascal, CpuWithoutBf16);

        Assert.Equal("cpu", plan.Device);
        Assert.Equal(DType.Float32, plan.Dtype);
        Assert.Contains(plan.Warnings, w => w.Code == RuntimeCodes.DeviceNotUsable && w.Message.Contains("6.1", StringComparison.Ordinal));
        Assert.Contains(plan.Reasons, r => r.StartsWith("skipped cuda:0", StringComparison.Ordinal));
    }

    [Fact]
    public void Auto_moves_to_the_first_GPU_where_the_model_fits()
    {
        var big = A100 with { Name = "cuda:1" };

        var plan = Plan(Gemma3_12B(), new PlanRequest(ContextLength: 8192), T4, big, CpuWithBf16);

        Assert.Equal("cuda:1", plan.Device);
        Assert.Equal(DType.BFloat16, plan.Dtype);
        Assert.Contains(plan.Reasons, r => r.StartsWith("cuda:0 has 15.0 GB available", StringComparison.Ordinal) && r.Contains("does not fit", StringComparison.Ordinal));
    }

    [Fact]
    public void A_model_that_fits_nowhere_cannot_run_and_the_plan_gives_the_numbers()
    {
        var plan = Plan(Gemma3_12B(), null, T4, SmallCpu);

        Assert.False(plan.CanRun);
        Assert.Null(plan.Device);
        var warning = Assert.Single(plan.Warnings, w => w.Code == RuntimeCodes.DoesNotFit);
        Assert.Contains("GB", warning.Message, StringComparison.Ordinal);
        Assert.InRange(plan.Parameters, 12_000_000_000, 12_400_000_000);
    }

    [Fact]
    public void Auto_on_a_CPU_without_native_BF16_uses_BF16_when_FP32_does_not_fit_and_says_it_is_slow()
    {
        var config = Llama("float32", layers: 8);
        var fp32 = new PrecisionPlanner().Plan(config, [CpuWithoutBf16], null).RequiredBytes;
        var tight = CpuWithoutBf16 with { MemoryBytes = (long)(fp32 * 0.8) };

        var plan = Plan(config, null, tight);

        Assert.Equal(DType.BFloat16, plan.Dtype);
        Assert.Equal("cpu", plan.Device);
        Assert.Contains(plan.Warnings, w => w.Code == RuntimeCodes.SlowOnCpu);
        Assert.Contains(plan.Reasons, r => r.Contains("rather than not running", StringComparison.Ordinal));
    }

    [Fact]
    public void An_explicit_FP32_that_does_not_fit_is_not_quietly_halved()
    {
        var config = Llama("float32", layers: 8);
        var fp32 = new PrecisionPlanner().Plan(config, [CpuWithoutBf16], null).RequiredBytes;
        var tight = CpuWithoutBf16 with { MemoryBytes = (long)(fp32 * 0.8) };

        var plan = Plan(config, new PlanRequest(Dtype: DType.Float32), tight);

        Assert.False(plan.CanRun);
    }

    [Fact]
    public void A_requested_CUDA_device_that_does_not_exist_warns_and_falls_back_unless_strict()
    {
        var lenient = Plan(Llama(), new PlanRequest(Device: "cuda"), CpuWithBf16);
        var strict = Plan(Llama(), new PlanRequest(Device: "cuda:0", Strict: true), CpuWithBf16);

        Assert.Equal("cpu", lenient.Device);
        Assert.Contains(lenient.Warnings, w => w.Code == RuntimeCodes.DeviceNotUsable);
        Assert.False(strict.CanRun);
    }

    [Fact]
    public void An_unknown_device_name_is_bad_input()
    {
        Assert.Throws<ArgumentException>(() => Plan(Llama(), new PlanRequest(Device: "tpu"), CpuWithBf16));
    }

    [Fact]
    public void Training_needs_weights_gradients_and_optimizer_state()
    {
        var config = Llama();
        var inference = Plan(config, new PlanRequest(Dtype: DType.BFloat16, ContextLength: 0), CpuWithBf16);
        var training = Plan(config, new PlanRequest(Dtype: DType.BFloat16, Mode: PlanMode.Training), CpuWithBf16);

        Assert.Equal(inference.WeightBytes[DType.BFloat16], inference.RequiredBytes);
        Assert.Equal(8 * inference.RequiredBytes, training.RequiredBytes);
        Assert.Equal(0, training.KvCacheBytes);
    }

    [Fact]
    public void LoRA_training_needs_the_frozen_weights_and_16_bytes_per_adapter_parameter()
    {
        var config = Gemma2(); // hidden 256, 4 heads and 2 KV heads of 64, intermediate 512, 2 layers
        var inference = Plan(config, new PlanRequest(Dtype: DType.BFloat16, ContextLength: 0), CpuWithBf16);

        var attention = Plan(config, new PlanRequest(Dtype: DType.BFloat16, Mode: PlanMode.LoraTraining, LoraRank: 4), CpuWithBf16);
        var allLinear = Plan(config, new PlanRequest(Dtype: DType.BFloat16, Mode: PlanMode.LoraTraining, LoraRank: 4, LoraTargets: Adapters.LoraOptions.AllLinearModules), CpuWithBf16);

        // q: 4·(256 + 256), k and v: 4·(256 + 128) each, o: 4·(256 + 256); gate and up: 4·(256 + 512) each, down the same.
        const long attentionPerLayer = (4 * 512) + (2 * 4 * 384) + (4 * 512);
        const long mlpPerLayer = 3 * 4 * 768;
        Assert.Equal(inference.RequiredBytes + (16 * 2 * attentionPerLayer), attention.RequiredBytes);
        Assert.Equal(inference.RequiredBytes + (16 * 2 * (attentionPerLayer + mlpPerLayer)), allLinear.RequiredBytes);
        Assert.Equal(0, attention.KvCacheBytes);
        Assert.Contains(attention.Reasons, r => r.Contains("LoRA r=4", StringComparison.Ordinal));
    }

    [Fact]
    public void A_12B_Gemma_that_full_fine_tuning_cannot_put_on_an_80_GB_GPU_trains_with_LoRA_there()
    {
        var full = Plan(Gemma3_12B(), new PlanRequest(Dtype: DType.BFloat16, Mode: PlanMode.Training), A100);
        var lora = Plan(Gemma3_12B(), new PlanRequest(Dtype: DType.BFloat16, Mode: PlanMode.LoraTraining, LoraRank: 16), A100);

        Assert.NotEqual("cuda:0", full.Device);
        Assert.Equal("cuda:0", lora.Device);
    }

    [Fact]
    public void Without_a_declared_dtype_the_weights_dtype_is_used_with_PREC108()
    {
        var config = ModelConfig.Parse("""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100}""");

        var plan = Plan(config, new PlanRequest(WeightsDtype: DType.Float16), A100);

        Assert.Equal(DType.Float16, plan.CheckpointDtype);
        Assert.Equal(DType.Float16, plan.Dtype);
        Assert.Contains(plan.Warnings, w => w.Code == RuntimeCodes.DtypeFromWeights);
    }

    [Fact]
    public void On_a_real_device_a_failing_BF16_matmul_falls_back_with_PREC101()
    {
        var realAmpere = A100 with { IsReal = true };
        var probe = new FailingProbe(DType.BFloat16);

        var plan = new PrecisionPlanner(probe).Plan(Llama(), [realAmpere], null);

        Assert.Equal(DType.Float16, plan.Dtype);
        Assert.Equal(new[] { DType.BFloat16, DType.Float16 }, probe.Tried);
        Assert.Contains(plan.Warnings, w => w.Code == RuntimeCodes.BFloat16Unsupported && w.Message.Contains("CUBLAS_STATUS_NOT_SUPPORTED", StringComparison.Ordinal));
    }

    [Fact]
    public void The_TorchSharp_probe_proves_BF16_and_FP16_on_this_CPU()
    {
        var probe = new MatmulDtypeProbe();

        Assert.True(probe.TryMatmul("cpu", DType.BFloat16, out var bf16Error), bf16Error);
        Assert.True(probe.TryMatmul("cpu", DType.Float16, out var fp16Error), fp16Error);
        Assert.False(probe.TryMatmul("cuda:7", DType.Float32, out var cudaError));
        Assert.False(string.IsNullOrEmpty(cudaError));
    }

    private sealed class FailingProbe(DType failing) : IDtypeProbe
    {
        public List<DType> Tried { get; } = [];

        public bool TryMatmul(string device, DType dtype, out string? error)
        {
            Tried.Add(dtype);
            error = dtype == failing ? "CUBLAS_STATUS_NOT_SUPPORTED when calling cublasGemmEx" : null;
            return dtype != failing;
        }
    }
}
