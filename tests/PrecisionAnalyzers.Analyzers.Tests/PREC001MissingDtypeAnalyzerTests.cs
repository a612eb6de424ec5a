using PrecisionAnalyzers.Analyzers.Rules;
using VerifyCS = PrecisionAnalyzers.Analyzers.Tests.Verify<PrecisionAnalyzers.Analyzers.Rules.PREC001MissingDtypeAnalyzer>;

namespace PrecisionAnalyzers.Analyzers.Tests;

public sealed class PREC001MissingDtypeAnalyzerTests
{
    private const string Advice = "set Dtype to DType.BFloat16, DType.Float32 or DType.Auto so its precision does not depend on the machine";

    [Fact]
    public Task A_load_with_no_options_is_flagged() => VerifyCS.AnalyzeAsync(
        """
        class C { void M() { using var m = {|#0:CausalLM.Load|}("models/m"); } }
        """,
        VerifyCS.Diagnostic().WithArguments("CausalLM.Load", "", Advice));

    [Fact]
    public Task Options_without_a_dtype_are_flagged_and_the_size_is_spelled_out() => VerifyCS.AnalyzeAsync(
        """
        class C { void M() { using var m = {|#0:CausalLM.Load|}("google/gemma-3-12b-it", new LoadOptions { UseCache = false }); } }
        """,
        VerifyCS.Diagnostic().WithArguments("CausalLM.Load", " (gemma-3-12b-it: about 48 GB in FP32, 24 GB in BF16)", Advice));

    [Fact]
    public Task The_size_from_the_folders_config_json_is_spelled_out() => VerifyCS.AnalyzeWithFilesAsync(
        VerifyCS.Usings + """class C { void M() { using var m = {|#0:CausalLM.Load|}("/models/custom"); } }""",
        null,
        [("models/custom/config.json", """{ "model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256, "tie_word_embeddings": false }""")],
        VerifyCS.Diagnostic().WithArguments("CausalLM.Load", " (custom: about 32 GB in FP32, 16 GB in BF16)", Advice));

    [Fact]
    public Task The_size_editorconfig_states_is_spelled_out_when_the_path_does_not_give_one() => VerifyCS.AnalyzeAsync(
        """class C { void M(string path) { using var m = {|#0:CausalLM.Load|}(path); using var n = {|#1:CausalLM.Load|}("models/SmolLM2-360M"); } }""",
        "precision_analyzers.model_size = 12B",
        VerifyCS.Diagnostic(0).WithArguments("CausalLM.Load", " (precision_analyzers.model_size in .editorconfig: about 48 GB in FP32, 24 GB in BF16)", Advice),
        VerifyCS.Diagnostic(1).WithArguments("CausalLM.Load", " (SmolLM2-360M: about 1.4 GB in FP32, 0.7 GB in BF16)", Advice));

    [Fact]
    public Task Null_options_and_a_null_dtype_are_flagged() => VerifyCS.AnalyzeAsync(
        """
        class C
        {
            void M()
            {
                using var a = {|#0:CausalLM.Load|}("m", null);
                using var b = {|#1:SentenceEncoder.Load|}("e", new LoadOptions { Dtype = null });
            }
        }
        """,
        VerifyCS.Diagnostic(0).WithArguments("CausalLM.Load", "", Advice),
        VerifyCS.Diagnostic(1).WithArguments("SentenceEncoder.Load", "", Advice));

    [Fact]
    public Task A_local_whose_dtype_is_never_set_is_flagged() => VerifyCS.AnalyzeAsync(
        """
        class C
        {
            void M()
            {
                var options = new LoadOptions { Device = "cpu" };
                using var m = {|#0:CausalLM.Load|}("m", options with { UseCache = true });
            }
        }
        """,
        VerifyCS.Diagnostic().WithArguments("CausalLM.Load", "", Advice));

    [Theory]
    [InlineData("""using var m = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16 });""")]
    [InlineData("""using var m = CausalLM.Load("m", new LoadOptions { Dtype = DType.Auto }, logger: null);""")]
    [InlineData("""var o = new LoadOptions(); o = o with { Dtype = DType.Float32 }; using var m = CausalLM.Load("m", o);""")]
    [InlineData("""var o = new LoadOptions { Dtype = DType.Float32 }; using var m = CausalLM.Load("m", o with { Device = "cpu" });""")]
    [InlineData("""using var m = SentenceEncoder.Load("m", new LoadOptions { Dtype = DType.Float16 });""")]
    public Task An_explicit_dtype_is_not_flagged(string body) => VerifyCS.AnalyzeAsync($$"""class C { void M() { {{body}} } }""");

    [Fact]
    public Task Options_from_elsewhere_are_not_flagged_since_their_dtype_may_be_chosen_there() => VerifyCS.AnalyzeAsync(
        """
        class C
        {
            LoadOptions _field = new LoadOptions { Dtype = DType.BFloat16 };
            void M(LoadOptions fromCaller) { using var a = CausalLM.Load("m", fromCaller); using var b = CausalLM.Load("m", _field); using var c = CausalLM.Load("m", Make()); }
            static LoadOptions Make() => new LoadOptions { Dtype = DType.Float32 };
        }
        """);

    [Fact]
    public Task A_Load_on_an_unrelated_type_is_not_flagged() => VerifyCS.AnalyzeAsync(
        """
        class Config { public static Config Load(string path, object? options = null) => new Config(); }
        class C { void M() { var c = Config.Load("settings.json"); } }
        """);

    [Theory]
    [InlineData("using LM = PrecisionAnalyzers.Runtime.CausalLM;\nclass C { void M() { using var m = {|#0:LM.Load|}(\"m\"); } }")]
    [InlineData("namespace N { using LM = PrecisionAnalyzers.Runtime.CausalLM; class C { void M() { using var m = {|#0:LM.Load|}(\"m\"); } } }")]
    [InlineData("using static PrecisionAnalyzers.Runtime.CausalLM;\nclass C { void M() { using var m = {|#0:Load|}(\"m\"); } }")]
    [InlineData("class C { void M() { using var m = {|#0:PrecisionAnalyzers.Runtime.CausalLM.Load|}(\"m\"); } }")]
    [InlineData("class C { void M() { using var m = {|#0:global::PrecisionAnalyzers.Runtime.CausalLM.Load|}(\"m\"); } }")]
    [InlineData("using R = PrecisionAnalyzers.Runtime;\nclass C { void M() { using var m = {|#0:R.CausalLM.Load|}(\"m\"); } }")]
    [InlineData("using PrecisionAnalyzers.Runtime;\nclass C { CausalLM CausalLM => null!; void M() { using var m = {|#0:CausalLM.Load|}(\"m\"); } }")]
    public Task Every_way_of_naming_the_type_is_flagged(string file) => VerifyCS.AnalyzeFileAsync(
        file, editorconfig: null, VerifyCS.Diagnostic().WithArguments("CausalLM.Load", "", Advice));

    [Fact]
    public Task A_global_alias_declared_in_another_file_is_flagged() => VerifyCS.AnalyzeFilesAsync(
        [
            "class C { void M() { using var m = {|#0:Model.Load|}(\"m\"); } }",
            "global using Model = PrecisionAnalyzers.Runtime.CausalLM;",
        ],
        VerifyCS.Diagnostic().WithArguments("CausalLM.Load", "", Advice));

    [Fact]
    public Task Generated_code_is_not_analysed() => VerifyCS.AnalyzeFileAsync(
        "// <auto-generated/>\n" + VerifyCS.Usings + """class C { void M() { using var m = CausalLM.Load("m"); } }""",
        editorconfig: null);

    [Fact]
    public void The_descriptor_points_at_its_page()
    {
        var descriptor = new PREC001MissingDtypeAnalyzer().SupportedDiagnostics.Single();

        Assert.EndsWith("docs/rules/PREC001.md", descriptor.HelpLinkUri, StringComparison.Ordinal);
        Assert.Equal("Precision", descriptor.Category);
    }
}
