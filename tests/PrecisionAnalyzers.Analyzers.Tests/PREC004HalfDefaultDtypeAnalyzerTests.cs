using VerifyCS = PrecisionAnalyzers.Analyzers.Tests.Verify<PrecisionAnalyzers.Analyzers.Rules.PREC004HalfDefaultDtypeAnalyzer>;

namespace PrecisionAnalyzers.Analyzers.Tests;

public sealed class PREC004HalfDefaultDtypeAnalyzerTests
{
    [Theory]
    [InlineData("torch.ScalarType.Float16", "Float16")]
    [InlineData("torch.ScalarType.BFloat16", "BFloat16")]
    [InlineData("torch.float16", "Float16")]
    [InlineData("torch.half", "Float16")]
    [InlineData("torch.bfloat16", "BFloat16")]
    public Task A_half_default_dtype_is_flagged(string argument, string name) => VerifyCS.AnalyzeAsync(
        $$"""class C { void M() { {|#0:torch.set_default_dtype({{argument}})|}; } }""",
        VerifyCS.Diagnostic().WithArguments(name));

    [Theory]
    [InlineData("torch.ScalarType.Float32")]
    [InlineData("torch.float32")]
    [InlineData("torch.float64")]
    public Task A_full_precision_default_is_not_flagged(string argument) => VerifyCS.AnalyzeAsync(
        $$"""class C { void M() { torch.set_default_dtype({{argument}}); } }""");

    [Fact]
    public Task A_set_default_dtype_of_another_type_is_not_flagged() => VerifyCS.AnalyzeAsync(
        """
        static class Settings { public static void set_default_dtype(torch.ScalarType type) { } }
        class C { void M() { Settings.set_default_dtype(torch.ScalarType.Float16); } }
        """);

    [Fact]
    public Task A_value_known_only_at_run_time_is_not_flagged() => VerifyCS.AnalyzeAsync(
        """class C { void M(torch.ScalarType chosen) { torch.set_default_dtype(chosen); } }""");
}
