using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Planning;

namespace PrecisionAnalyzers.Runtime.Tests.Planning;

/// <summary>Configurations that describe a model the runtime cannot run get the planner's "cannot run" verdict, never an exception.</summary>
public sealed class ImpossibleModelPlanTests
{
    private static readonly PlanDevice Cpu = new("cpu", "Intel Xeon (AVX2)", false, 20_000_000_000, null, true, false, true, false, false);

    private static ModelConfig Llama(string extra = "", long layers = 2, string vocab = "1000") => ModelConfig.Parse(
        $$"""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":{{layers}},"num_attention_heads":4,"vocab_size":{{vocab}}{{extra}}}""", "/models/x/config.json");

    private static PrecisionPlan Plan(ModelConfig config, PlanRequest? request = null) => new PrecisionPlanner().Plan(config, [Cpu], request);

    [Fact]
    public void Half_a_billion_layers_is_read_without_a_per_layer_array_and_cannot_run()
    {
        // The 570-byte config of the report: once ~50 s and 4 GB before its answer.
        var config = Llama(""","sliding_window":4096""", layers: 500_000_000);

        Assert.Equal(500_000_000, config.LayerTypes.Count);
        Assert.Equal(500_000_000, config.SlidingLayerCount);
        var plan = Plan(config);

        Assert.False(plan.CanRun);
        Assert.Equal(RuntimeCodes.ModelNotSupported, Assert.Single(plan.Warnings).Code);
        Assert.Contains("num_hidden_layers is 500,000,000", Assert.Single(plan.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void A_vocabulary_of_a_quadrillion_does_not_fit_anywhere()
    {
        var plan = Plan(Llama(vocab: "1e15"));

        Assert.False(plan.CanRun);
        Assert.Equal(RuntimeCodes.DoesNotFit, plan.Warnings[^1].Code);
    }

    [Fact]
    public void Sizes_that_overflow_64_bits_cannot_run_instead_of_throwing()
    {
        var huge = ModelConfig.Parse("""{"model_type":"llama","hidden_size":1e15,"intermediate_size":1e15,"num_hidden_layers":2,"num_attention_heads":1,"vocab_size":1e15}""", "/models/x/config.json");

        var plan = Plan(huge);

        Assert.False(plan.CanRun);
        Assert.Equal(RuntimeCodes.DoesNotFit, Assert.Single(plan.Warnings).Code);
        Assert.Contains("2^63", plan.Reasons[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PlanMode.Training)]
    [InlineData(PlanMode.LoraTraining)]
    public void A_head_dim_of_1e15_in_a_training_plan_cannot_run(PlanMode mode)
    {
        var plan = Plan(Llama(""","head_dim":1e15"""), new PlanRequest(Mode: mode));

        Assert.False(plan.CanRun);
        Assert.Equal(RuntimeCodes.DoesNotFit, plan.Warnings[^1].Code);
    }

    [Fact]
    public void A_context_of_long_max_value_cannot_run()
    {
        var plan = Plan(Llama(), new PlanRequest(ContextLength: long.MaxValue));

        Assert.False(plan.CanRun);
        Assert.Equal(RuntimeCodes.DoesNotFit, plan.Warnings[^1].Code);
        Assert.Contains("overflows", plan.Reasons[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model_type":"phi3","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10}""", "model_type 'phi3'")]
    [InlineData("""{"model_type":"llama","hidden_act":"relu2","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10}""", "activation 'relu2'")]
    [InlineData("""{"model_type":"llama","rope_scaling":{"rope_type":"yarn","factor":4},"hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10}""", "RoPE scaling 'yarn'")]
    public void What_the_runtime_does_not_implement_is_a_cannot_run_verdict_with_PREC111(string json, string reason)
    {
        var plan = Plan(ModelConfig.Parse(json, "/models/x/config.json"));

        Assert.False(plan.CanRun);
        var warning = Assert.Single(plan.Warnings);
        Assert.Equal("PREC111", warning.Code);
        Assert.Contains(reason, warning.Message, StringComparison.Ordinal);
    }
}
