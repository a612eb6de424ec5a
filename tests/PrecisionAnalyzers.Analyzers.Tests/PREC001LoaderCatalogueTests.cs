using PrecisionAnalyzers.Tests.Shared;
using VerifyCS = PrecisionAnalyzers.Analyzers.Tests.Verify<PrecisionAnalyzers.Analyzers.Rules.PREC001TorchSharpLoadAnalyzer>;

namespace PrecisionAnalyzers.Analyzers.Tests;

/// <summary>
/// PREC001 on the ecosystem's loaders, from the catalogue kept as data. TorchSharp.PyBridge and Microsoft.ML.GenAI are not on
/// the registry here: the tests compile stand-ins with the same metadata names and signatures' shape.
/// </summary>
public sealed class PREC001LoaderCatalogueTests
{
    private const string PyBridgeSuffix = " (the checkpoint's weights are cast silently to the module's dtype, TorchSharp's default FP32)";

    private const string PyBridgeAdvice = "build the module with dtype: ScalarType.BFloat16 (or the checkpoint's dtype), or convert it with .to(ScalarType.BFloat16) or .to(ScalarType.Float32)";

    private const string FromPretrainedAdvice = "pass torchDtype: ScalarType.BFloat16 (or ScalarType.Float32) so the precision is written where the model is loaded";

    private const string ModuleAdvice = "build the module with dtype:, or convert it after loading with .to(ScalarType.BFloat16) or .to(ScalarType.Float32)";

    private const string Stand_ins = StandIns.PyBridge + StandIns.GenAIPhi3 + """


        namespace Acme
        {
            public static class ModelStore
            {
                public static void Restore(TorchSharp.torch.nn.Module module, string path) { }
            }
        }
        """;

    private static Task Analyze(string body, (string, string)[] files, params Microsoft.CodeAnalysis.Testing.DiagnosticResult[] expected) =>
        VerifyCS.AnalyzeWithFilesAsync(
            VerifyCS.Usings + "using TorchSharp.PyBridge;\nusing Microsoft.ML.GenAI.Phi;\n" + $$"""class C { void M() { {{body}} } }""" + Stand_ins,
            null,
            files,
            expected);

    [Theory]
    [InlineData("""var model = torch.nn.Linear(4, 4); {|#0:model.load_py|}("model.pt");""", "PyBridgeModuleExtensions.load_py")]
    [InlineData("""var model = torch.nn.Linear(4, 4); {|#0:model.load_safetensors|}("model.safetensors");""", "PyBridgeModuleExtensions.load_safetensors")]
    public Task PyBridge_loads_into_a_module_built_without_a_dtype_are_flagged(string body, string name) => Analyze(
        body, [], VerifyCS.Diagnostic().WithArguments(name, PyBridgeSuffix, PyBridgeAdvice));

    [Fact]
    public Task A_PyBridge_load_into_a_module_given_a_dtype_is_not_flagged() => Analyze(
        """var model = torch.nn.Linear(4, 4, dtype: torch.ScalarType.BFloat16); model.load_safetensors("model.safetensors");""", []);

    [Fact]
    public Task GenAI_FromPretrained_without_torchDtype_is_flagged() => Analyze(
        """var model = {|#0:Phi3ForCausalLM.FromPretrained|}("phi-3-mini");""",
        [],
        VerifyCS.Diagnostic().WithArguments("Phi3ForCausalLM.FromPretrained", " (without torchDtype the loader's default, BFloat16, decides out of sight of this code; phi-3-mini: about 15 GB in FP32, 7.6 GB in BF16)", FromPretrainedAdvice));

    [Fact]
    public Task GenAI_FromPretrained_of_a_known_size_spells_it_out() => Analyze(
        """var model = {|#0:Phi3ForCausalLM.FromPretrained|}("google/gemma-2-9b");""",
        [],
        VerifyCS.Diagnostic().WithArguments("Phi3ForCausalLM.FromPretrained", " (without torchDtype the loader's default, BFloat16, decides out of sight of this code; gemma-2-9b: about 36 GB in FP32, 18 GB in BF16)", FromPretrainedAdvice));

    [Fact]
    public Task GenAI_FromPretrained_with_torchDtype_is_not_flagged() => Analyze(
        """var model = Phi3ForCausalLM.FromPretrained("phi-3-mini", torchDtype: torch.ScalarType.Float32);""", []);

    [Fact]
    public Task Users_describe_their_own_wrappers_in_an_additional_file() => Analyze(
        """var model = torch.nn.Linear(4, 4); {|#0:Acme.ModelStore.Restore|}(model, "weights");""",
        [("PrecisionAnalyzers.Loaders.txt", "# our loaders\nmodule-load;Acme.ModelStore;Restore;\n")],
        VerifyCS.Diagnostic().WithArguments("ModelStore.Restore", " (the module stays in TorchSharp's default FP32)", ModuleAdvice));

    [Fact]
    public Task Without_the_additional_file_a_wrapper_is_not_known() => Analyze(
        """var model = torch.nn.Linear(4, 4); Acme.ModelStore.Restore(model, "weights");""", []);
}
