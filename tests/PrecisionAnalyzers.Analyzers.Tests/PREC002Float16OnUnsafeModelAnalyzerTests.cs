using VerifyCS = PrecisionAnalyzers.Analyzers.Tests.Verify<PrecisionAnalyzers.Analyzers.Rules.PREC002Float16OnUnsafeModelAnalyzer>;

namespace PrecisionAnalyzers.Analyzers.Tests;

public sealed class PREC002Float16OnUnsafeModelAnalyzerTests
{
    private static string Load(string path, string dtype = "DType.Float16") =>
        $$"""class C { void M() { using var m = CausalLM.Load("{{path}}", new LoadOptions { Dtype = {{dtype}} }); } }""";

    [Theory]
    [InlineData("google/gemma-2-9b", "gemma2")]
    [InlineData("models/gemma-3-1b-it", "gemma3")]
    [InlineData("/data/gemma-7b", "gemma")]
    public Task FP16_on_a_Gemma_model_is_flagged_at_the_dtype(string path, string family) => VerifyCS.AnalyzeAsync(
        Load(path, "{|#0:DType.Float16|}"),
        VerifyCS.Diagnostic().WithArguments($"'{path.Split('/')[^1]}'", $"belongs to the {family} family, whose hidden states overflow FP16's 65504 and turn into NaN"));

    [Theory]
    [InlineData("meta-llama/Llama-3.1-8B", "8")]
    [InlineData("mistralai/Mixtral-8x7B-v0.1", "56")]
    [InlineData("Qwen/Qwen2-1.5B", "1.5")]
    public Task FP16_on_a_large_model_is_flagged(string path, string billions) => VerifyCS.AnalyzeAsync(
        Load(path, "{|#0:DType.Float16|}"),
        VerifyCS.Diagnostic().WithArguments($"'{path.Split('/')[^1]}'", $"has about {billions}B parameters (at least the 1B threshold), where activations outgrow FP16's range"));

    [Theory]
    [InlineData("Qwen/Qwen2-0.5B")]
    [InlineData("HuggingFaceTB/SmolLM2-360M")]
    [InlineData("models/my-model")]
    public Task FP16_on_a_small_or_unknown_model_is_not_flagged(string path) => VerifyCS.AnalyzeAsync(Load(path));

    [Fact]
    public Task BF16_on_Gemma_is_not_flagged() => VerifyCS.AnalyzeAsync(Load("google/gemma-2-9b", "DType.BFloat16"));

    [Fact]
    public Task A_path_that_is_not_a_constant_is_not_flagged() => VerifyCS.AnalyzeAsync(
        """class C { void M(string path) { using var m = CausalLM.Load(path, new LoadOptions { Dtype = DType.Float16 }); } }""");

    [Fact]
    public Task The_threshold_comes_from_editorconfig() => VerifyCS.AnalyzeAsync(
        Load("Qwen/Qwen2-0.5B", "{|#0:DType.Float16|}"),
        "precision_analyzers.large_model_threshold = 400M",
        VerifyCS.Diagnostic().WithArguments("'Qwen2-0.5B'", "has about 0.5B parameters (at least the 0.4B threshold), where activations outgrow FP16's range"));

    [Fact]
    public Task Users_add_FP16_unsafe_families_in_editorconfig() => VerifyCS.AnalyzeAsync(
        Load("acme/phoenix-small", "{|#0:DType.Float16|}"),
        "precision_analyzers.fp16_unsafe_families = phoenix, other",
        VerifyCS.Diagnostic().WithArguments("'phoenix-small'", "belongs to the phoenix family, whose hidden states overflow FP16's 65504 and turn into NaN"));

    [Fact]
    public Task A_Float16_set_on_a_local_before_the_call_is_found() => VerifyCS.AnalyzeAsync(
        """
        class C
        {
            void M()
            {
                var options = new LoadOptions();
                options = options with { Dtype = {|#0:DType.Float16|} };
                using var m = CausalLM.Load("google/gemma-2-2b", options);
            }
        }
        """,
        VerifyCS.Diagnostic().WithArguments("'gemma-2-2b'", "belongs to the gemma2 family, whose hidden states overflow FP16's 65504 and turn into NaN"));
}
