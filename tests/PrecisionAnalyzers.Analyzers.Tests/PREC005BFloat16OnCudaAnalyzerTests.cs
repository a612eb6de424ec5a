using VerifyCS = PrecisionAnalyzers.Analyzers.Tests.Verify<PrecisionAnalyzers.Analyzers.Rules.PREC005BFloat16OnCudaAnalyzer>;

namespace PrecisionAnalyzers.Analyzers.Tests;

public sealed class PREC005BFloat16OnCudaAnalyzerTests
{
    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:1")]
    public Task BF16_written_in_for_a_CUDA_device_is_flagged(string device) => VerifyCS.AnalyzeAsync(
        $$"""class C { void M() { using var m = CausalLM.Load("m", new LoadOptions { Dtype = {|#0:DType.BFloat16|}, Device = "{{device}}" }); } }""",
        VerifyCS.Diagnostic().WithArguments(device));

    [Theory]
    [InlineData("""new LoadOptions { Dtype = DType.BFloat16, Device = "cpu" }""")]
    [InlineData("""new LoadOptions { Dtype = DType.Auto, Device = "cuda" }""")]
    [InlineData("""new LoadOptions { Dtype = DType.Float32, Device = "cuda:0" }""")]
    [InlineData("""new LoadOptions { Dtype = DType.BFloat16 }""")]
    public Task Other_choices_are_not_flagged(string options) => VerifyCS.AnalyzeAsync(
        $$"""class C { void M() { using var m = CausalLM.Load("m", {{options}}); } }""");

    [Fact]
    public Task A_device_known_only_at_run_time_is_not_flagged() => VerifyCS.AnalyzeAsync(
        """class C { void M(string device) { using var m = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, Device = device }); } }""");
}
