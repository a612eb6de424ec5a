using PrecisionAnalyzers.Tests.Shared;
using VerifyCS = PrecisionAnalyzers.Analyzers.Tests.Verify<PrecisionAnalyzers.Analyzers.Rules.PREC002Float16OnUnsafeModelAnalyzer>;

namespace PrecisionAnalyzers.Analyzers.Tests;

/// <summary>
/// PREC002 on TorchSharp's FP16 forms, against the real TorchSharp assembly (PyBridge and GenAI as stand-ins of the same shape):
/// <c>.half()</c>, <c>.to(…Float16…)</c>, <c>torchDtype: ScalarType.Float16</c>, <c>torch.set_default_dtype(ScalarType.Float16)</c>.
/// </summary>
public sealed class PREC002TorchSharpFloat16AnalyzerTests
{
    private const string Gemma = "belongs to the gemma family, whose hidden states overflow FP16's 65504 and turn into NaN";
    private const string Gemma2 = "belongs to the gemma2 family, whose hidden states overflow FP16's 65504 and turn into NaN";

    private static string File(string body) =>
        VerifyCS.Usings + "using TorchSharp.PyBridge;\nusing Microsoft.ML.GenAI.Phi;\n"
        + $$"""
            class C
            {
                torch.nn.Module _field = torch.nn.Linear(2, 2);
                void M(torch.nn.Module parameter, string path, bool fast = false) { {{body}} }
                static torch.nn.Module Make() => torch.nn.Linear(2, 2);
            }

            // Loaders of the shape PREC001/PREC002 recognise whatever they are called: they return a module, take a path and a dtype with a default.
            class MyGemma2ForCausalLM : torch.nn.Module<torch.Tensor, torch.Tensor>
            {
                MyGemma2ForCausalLM() : base("gemma") { }
                public override torch.Tensor forward(torch.Tensor x) => x;
                public static MyGemma2ForCausalLM LoadFrom(string folder, torch.ScalarType dtype = torch.ScalarType.Float32) => new();
            }

            static class Smol
            {
                public static torch.nn.Module<torch.Tensor, torch.Tensor> LoadPretrained(string folder, torch.ScalarType? dtype = null) => torch.nn.Linear(2, 2);
            }
            """
        + StandIns.PyBridge + StandIns.GenAIPhi3;

    [Theory]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin"); m.{|#0:half|}();""", "gemma-2b.bin", Gemma)]
    [InlineData("""var m = torch.nn.Linear(4, 4).{|#0:half|}(); m.load("google/gemma-2-9b/model.bin");""", "gemma-2-9b", Gemma2)]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.to({|#0:torch.ScalarType.Float16|}); m.load("models/gemma-2b.bin");""", "gemma-2b.bin", Gemma)]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin").to({|#0:torch.float16|});""", "gemma-2b.bin", Gemma)]
    [InlineData("""var m = torch.nn.Linear(4, 4); m = m.to({|#0:torch.half|}); m.load("models/gemma-2b.bin");""", "gemma-2b.bin", Gemma)]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.to(torch.CPU, {|#0:torch.ScalarType.Float16|}); m.load("models/gemma-2b.bin");""", "gemma-2b.bin", Gemma)]
    [InlineData("""var m = new Net(); m.load("models/gemma-2b.bin"); m.{|#0:half|}();""", "gemma-2b.bin", Gemma)]
    [InlineData("""var m = torch.jit.load("models/gemma-2b.pt"); m.{|#0:half|}();""", "gemma-2b.pt", Gemma)]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load_safetensors("models/gemma-2-9b.safetensors"); m.{|#0:half|}();""", "gemma-2-9b.safetensors", Gemma2)]
    [InlineData("""var m = torch.nn.Linear(4, 4).load_py("models/gemma-2b.pt").{|#0:half|}();""", "gemma-2b.pt", Gemma)]
    [InlineData("""const string folder = "models/gemma-2b"; var m = torch.nn.Linear(4, 4); m.load_checkpoint(folder); m.{|#0:half|}();""", "gemma-2b", Gemma)]
    [InlineData("""var file = "models/gemma-2b.bin"; var m = torch.nn.Linear(4, 4); m.load(file); m.{|#0:half|}();""", "gemma-2b.bin", Gemma)]
    [InlineData("""var m = Phi3ForCausalLM.FromPretrained("google/gemma-2-9b", torchDtype: {|#0:torch.ScalarType.Float16|});""", "gemma-2-9b", Gemma2)]
    [InlineData("""torch.set_default_dtype({|#0:torch.ScalarType.Float16|}); var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin");""", "gemma-2b.bin", Gemma)]
    [InlineData("""torch.set_default_dtype({|#0:torch.float16|}); new Net().load("models/gemma-2b.bin");""", "gemma-2b.bin", Gemma)]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load("meta-llama/Llama-3.1-8B/model.bin"); m.{|#0:half|}();""", "Llama-3.1-8B", "has about 8B parameters (at least the 1B threshold), where activations outgrow FP16's range")]
    [InlineData("""var m = Phi3ForCausalLM.FromPretrained("microsoft/Phi-3-mini-4k-instruct", torchDtype: {|#0:torch.ScalarType.Float16|});""", "Phi-3-mini-4k-instruct", "has about 3.8B parameters (at least the 1B threshold), where activations outgrow FP16's range")]
    [InlineData("""var m = Phi3ForCausalLM.FromPretrained(System.IO.Path.Combine(path, "Phi-3-mini-4k-instruct"), torchDtype: {|#0:torch.ScalarType.Float16|});""", "Phi-3-mini-4k-instruct", "has about 3.8B parameters (at least the 1B threshold), where activations outgrow FP16's range")]
    [InlineData("""var m = Phi3ForCausalLM.FromPretrained($"{path}/gemma-2-9b", torchDtype: {|#0:torch.ScalarType.Float16|});""", "gemma-2-9b", Gemma2)]
    [InlineData("""var m = Phi3ForCausalLM.FromPretrained(path, torchDtype: {|#0:torch.ScalarType.Float16|});""", "Phi3ForCausalLM (Phi-3)", "has about 3.8B parameters (at least the 1B threshold), where activations outgrow FP16's range")]
    [InlineData("""var m = Phi3ForCasualLM.FromPretrained(path, torchDtype: {|#0:torch.ScalarType.Float16|});""", "Phi3ForCasualLM (Phi-3)", "has about 3.8B parameters (at least the 1B threshold), where activations outgrow FP16's range")]
    [InlineData("""var m = MyGemma2ForCausalLM.LoadFrom(path, {|#0:torch.ScalarType.Float16|});""", "MyGemma2ForCausalLM (Gemma 2)", Gemma2)]
    [InlineData("""var m = Phi3ForCausalLM.FromPretrained(path, torchDtype: {|#0:fast ? torch.ScalarType.Float16 : torch.ScalarType.Float16|});""", "Phi3ForCausalLM (Phi-3)", "has about 3.8B parameters (at least the 1B threshold), where activations outgrow FP16's range")]
    public Task FP16_on_a_module_loaded_from_a_known_model_is_flagged_on_the_FP16_expression(string body, string name, string why) => VerifyCS.AnalyzeFileAsync(
        File(body) + Net, null, VerifyCS.Diagnostic().WithArguments($"'{name}'", why));

    [Theory]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load("weights.bin"); m.half();""")]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load("models/SmolLM2-360M.bin"); m.half();""")]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load(path); m.half();""")]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin"); m.bfloat16();""")]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin"); m.to(torch.ScalarType.BFloat16); m.to(torch.bfloat16); m.to(torch.CPU);""")]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin"); var t = torch.ones(2, 2); t = t.half(); t = t.to(torch.ScalarType.Float16);""")]
    [InlineData("""parameter.load("models/gemma-2b.bin"); parameter.half();""")]
    [InlineData("""parameter.load("models/gemma-2b.bin").half();""")]
    [InlineData("""_field.load("models/gemma-2b.bin"); _field.half();""")]
    [InlineData("""var m = Make(); m.load("models/gemma-2b.bin"); m.half();""")]
    [InlineData("""var m = parameter; m.load("models/gemma-2b.bin"); m.half();""")]
    [InlineData("""var other = torch.nn.Linear(4, 4); other.load("models/gemma-2b.bin"); var m = torch.nn.Linear(4, 4); m.half();""")]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin"); torch.set_default_dtype(torch.ScalarType.Float16);""")]
    [InlineData("""torch.set_default_dtype(torch.ScalarType.Float16); var m = torch.nn.Linear(4, 4); m.load("weights.bin");""")]
    [InlineData("""torch.set_default_dtype(torch.ScalarType.Float16); parameter.load("models/gemma-2b.bin");""")]
    [InlineData("""torch.set_default_dtype(torch.ScalarType.BFloat16); var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin");""")]
    [InlineData("""var m = Phi3ForCausalLM.FromPretrained("google/gemma-2-9b", torchDtype: torch.ScalarType.BFloat16);""")]
    [InlineData("""var m = Phi3ForCausalLM.FromPretrained("google/gemma-2-9b");""")]
    [InlineData("""var m = Smol.LoadPretrained(path, dtype: torch.ScalarType.Float16);""")]
    [InlineData("""var dt = torch.ScalarType.Float16; dt = torch.ScalarType.BFloat16; var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin"); m.to(dt);""")]
    [InlineData("""var dt = torch.ScalarType.Float16; var m = torch.nn.Linear(4, 4); m.load("models/SmolLM2-360M.bin"); m.to(dt);""")]
    public Task FP16_on_an_unknown_small_or_foreign_module_or_BF16_is_not_flagged(string body) => VerifyCS.AnalyzeFileAsync(File(body) + Net, null);

    [Theory]
    [InlineData("""var half = {|#1:torch.ScalarType.Float16|}; var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin"); m.to({|#0:half|});""")]
    [InlineData("""var dt = {|#1:torch.float16|}; var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin"); m.to(torch.CPU, {|#0:dt|});""")]
    [InlineData("""var dt = {|#1:torch.ScalarType.Float16|}; var m = Phi3ForCausalLM.FromPretrained("models/gemma-2b", torchDtype: {|#0:dt|});""")]
    public Task A_dtype_held_in_a_local_is_reported_where_used_and_points_at_where_FP16_is_chosen(string body) => VerifyCS.AnalyzeFileAsync(
        File(body) + Net,
        null,
        new Microsoft.CodeAnalysis.Testing.DiagnosticResult(RuleDescriptors.Float16OnUnsafeModel).WithLocation(0).WithLocation(1)
            .WithArguments(body.Contains("Phi3", StringComparison.Ordinal) ? "'gemma-2b'" : "'gemma-2b.bin'", Gemma));

    [Theory]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load(path); m.{|#0:half|}();""")]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load("weights.bin"); m.{|#0:half|}();""")]
    [InlineData("""torch.set_default_dtype({|#0:torch.ScalarType.Float16|}); var m = torch.nn.Linear(4, 4); m.load(path);""")]
    [InlineData("""var m = Phi3ForCausalLM.FromPretrained(path, torchDtype: {|#0:torch.ScalarType.Float16|});""")]
    public Task Where_the_code_does_not_show_the_model_editorconfig_can_name_it(string body) => VerifyCS.AnalyzeFileAsync(
        File(body) + Net,
        "precision_analyzers.model_family = gemma2",
        VerifyCS.Diagnostic().WithArguments("the model these files load", "belongs to the gemma2 family (precision_analyzers.model_family in .editorconfig), whose hidden states overflow FP16's 65504 and turn into NaN"));

    [Fact]
    public Task Editorconfig_can_give_the_size() => VerifyCS.AnalyzeFileAsync(
        File("""var m = torch.nn.Linear(4, 4); m.load(path); m.{|#0:half|}();""") + Net,
        "precision_analyzers.model_size = 7B",
        VerifyCS.Diagnostic().WithArguments("the model these files load", "has about 7B parameters by precision_analyzers.model_size in .editorconfig (at least the 1B threshold), where activations outgrow FP16's range"));

    [Theory]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load("models/SmolLM2-360M.bin"); m.half();""", "precision_analyzers.model_family = gemma2")]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.half();""", "precision_analyzers.model_family = gemma2")]
    [InlineData("""parameter.load(path); parameter.half();""", "precision_analyzers.model_family = gemma2")]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load(path); m.half();""", "precision_analyzers.model_family = llama\nprecision_analyzers.model_size = 500M")]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load(path); m.half();""", "precision_analyzers.model_size = not-a-size")]
    public Task Editorconfig_facts_do_not_override_what_the_code_shows_nor_reach_modules_it_does_not_load(string body, string editorconfig) =>
        VerifyCS.AnalyzeFileAsync(File(body) + Net, editorconfig);

    [Fact]
    public Task The_config_json_of_the_weights_folder_decides() => VerifyCS.AnalyzeWithFilesAsync(
        File("""var m = torch.nn.Linear(4, 4); m.load("/models/custom/model.bin"); m.{|#0:half|}(); var n = Phi3ForCausalLM.FromPretrained("/models/custom", torchDtype: {|#1:torch.ScalarType.Float16|});"""),
        null,
        [("models/custom/config.json", PREC002ConfigJsonTests.Gemma3Config)],
        VerifyCS.Diagnostic(0).WithArguments("'custom'", "belongs to the gemma3 family (model_type in its config.json), whose hidden states overflow FP16's 65504 and turn into NaN"),
        VerifyCS.Diagnostic(1).WithArguments("'custom'", "belongs to the gemma3 family (model_type in its config.json), whose hidden states overflow FP16's 65504 and turn into NaN"));

    [Fact]
    public Task The_editorconfig_threshold_applies_to_TorchSharp_loads() => VerifyCS.AnalyzeWithFilesAsync(
        File("""var m = torch.nn.Linear(4, 4); m.load("/models/custom/model.bin"); m.to({|#0:torch.ScalarType.Float16|});"""),
        "precision_analyzers.large_model_threshold = 400M",
        [("models/custom/config.json", PREC002ConfigJsonTests.Qwen05BConfig)],
        VerifyCS.Diagnostic().WithArguments("'custom'", "has about 0.5B parameters by its config.json (at least the 0.4B threshold), where activations outgrow FP16's range"));

    private const string Net = """

        class Net : torch.nn.Module<torch.Tensor, torch.Tensor>
        {
            public Net() : base("net") { }
            public override torch.Tensor forward(torch.Tensor x) => x;
        }
        """;
}
