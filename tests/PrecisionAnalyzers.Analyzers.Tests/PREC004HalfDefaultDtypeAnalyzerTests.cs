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
        VerifyCS.Diagnostic().WithArguments(name, name));

    // The shapes real code uses (issue 14): the value reaches set_default_dtype through a local, a conditional whose branches
    // are both half types, an options object's property, a field of the type, a method of the file, or configuration text.
    [Theory]
    [InlineData("""var t = torch.ScalarType.Float16; {|#0:torch.set_default_dtype(t)|};""", "Float16", "Float16")]
    [InlineData("""var t = torch.float16; t = torch.ScalarType.Float16; {|#0:torch.set_default_dtype(t)|};""", "Float16", "Float16")]
    [InlineData("""var opts = new Opts { Dtype = fast ? torch.ScalarType.BFloat16 : torch.ScalarType.Float16 }; {|#0:torch.set_default_dtype(opts.Dtype)|};""", "BFloat16 or Float16", "BFloat16")]
    [InlineData("""var opts = new Opts(); opts.Dtype = torch.ScalarType.BFloat16; {|#0:torch.set_default_dtype(opts.Dtype)|};""", "BFloat16", "BFloat16")]
    [InlineData("""{|#0:torch.set_default_dtype(_field)|};""", "Float16", "Float16")]
    [InlineData("""{|#0:torch.set_default_dtype(Chosen())|};""", "BFloat16", "BFloat16")]
    [InlineData("""{|#0:torch.set_default_dtype(Enum.Parse<torch.ScalarType>(Read("dtype", "Float16"), true))|};""", "Float16", "Float16")]
    [InlineData("""var text = Environment.GetEnvironmentVariable("DTYPE") ?? "bf16"; Enum.TryParse<torch.ScalarType>(text, true, out var dt); {|#0:torch.set_default_dtype(dt)|};""", "BFloat16", "BFloat16")]
    [InlineData("""var dt = fast switch { true => torch.ScalarType.Float16, false => torch.ScalarType.BFloat16 }; {|#0:torch.set_default_dtype((torch.ScalarType)dt)|};""", "BFloat16 or Float16", "BFloat16")]
    public Task A_half_type_however_it_arrives_is_flagged(string body, string names, string first) => VerifyCS.AnalyzeAsync(
        $$"""
        using System;
        class Opts { public torch.ScalarType Dtype { get; set; } }
        class C
        {
            private readonly torch.ScalarType _field = torch.ScalarType.Float16;
            static torch.ScalarType Chosen() => torch.ScalarType.BFloat16;
            static string Read(string key, string fallback) => fallback;
            void M(bool fast) { {{body}} }
        }
        """,
        VerifyCS.Diagnostic().WithArguments(names, first));

    [Theory]
    [InlineData("""var t = fast ? torch.ScalarType.Float16 : torch.ScalarType.Float32; torch.set_default_dtype(t);""")]
    [InlineData("""var opts = new Opts(); torch.set_default_dtype(opts.Dtype);""")]
    [InlineData("""torch.set_default_dtype(Enum.Parse<torch.ScalarType>(Read("dtype", "float32"), true));""")]
    [InlineData("""torch.set_default_dtype(Enum.Parse<torch.ScalarType>(Environment.GetEnvironmentVariable("DTYPE")!, true));""")]
    [InlineData("""var opts = Load(); torch.set_default_dtype(opts.Dtype);""")]
    public Task A_value_that_may_be_full_precision_is_not_flagged(string body) => VerifyCS.AnalyzeAsync(
        $$"""
        using System;
        class Opts { public torch.ScalarType Dtype { get; set; } }
        class C
        {
            static Opts Load() => new Opts { Dtype = torch.ScalarType.Float16 };
            static string Read(string key, string fallback) => fallback;
            void M(bool fast) { {{body}} }
        }
        """);

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
