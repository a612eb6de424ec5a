using PrecisionAnalyzers.Tests.Shared;
using VerifyCS = PrecisionAnalyzers.Analyzers.Tests.Verify<PrecisionAnalyzers.Analyzers.Rules.PREC001TorchSharpLoadAnalyzer>;

namespace PrecisionAnalyzers.Analyzers.Tests;

/// <summary>
/// PREC001 on the shapes public TorchSharp and Microsoft.ML.GenAI code takes (issue 14): a dtype carried into the module by a
/// configuration object or a constructor parameter, <c>set_default_dtype</c> before the module is built (and not for loaders
/// whose own default decides), <c>m = m.to(device)</c>, loaders recognised by their shape whatever they are called.
/// </summary>
public sealed class PREC001RealCodeShapesTests
{
    private const string PyBridgeSuffix = " (the checkpoint's weights are cast silently to the module's dtype, TorchSharp's default FP32)";

    private const string PyBridgeAdvice = "build the module with dtype: ScalarType.BFloat16 (or the checkpoint's dtype), or convert it with .to(ScalarType.BFloat16) or .to(ScalarType.Float32)";

    private const string Types = """

        class UNetConfig { public torch.ScalarType DType { get; set; } = torch.ScalarType.Float32; public int Channels { get; set; } }

        class UNet : torch.nn.Module<torch.Tensor, torch.Tensor>
        {
            public UNet(UNetConfig config) : base("unet") { }
            public override torch.Tensor forward(torch.Tensor x) => x;
        }

        class Encoder : torch.nn.Module<torch.Tensor, torch.Tensor>
        {
            public Encoder(int width, torch.ScalarType? dtype = null) : base("encoder") { }
            public override torch.Tensor forward(torch.Tensor x) => x;
        }

        // A project's own model class and loader: misspelled, not in any catalogue; its shape makes it a loader.
        class MyPhi3ForCasualLM : torch.nn.Module<torch.Tensor, torch.Tensor>
        {
            MyPhi3ForCasualLM() : base("phi") { }
            public override torch.Tensor forward(torch.Tensor x) => x;
            public static MyPhi3ForCasualLM FromPretrained(string folder, string config = "config.json", torch.ScalarType torchDtype = torch.ScalarType.Float16) => new();
        }

        static class Models
        {
            public static torch.nn.Module<torch.Tensor, torch.Tensor> LoadModel(string path, PrecisionAnalyzers.Runtime.DType dtype = PrecisionAnalyzers.Runtime.DType.Float32) => torch.nn.Linear(2, 2);
            public static torch.nn.Module<torch.Tensor, torch.Tensor> LoadByName(string path, string dtype = "float32") => torch.nn.Linear(2, 2);
            // Not loaders: no dtype parameter; no default; not a module.
            public static torch.nn.Module<torch.Tensor, torch.Tensor> LoadPlain(string path) => torch.nn.Linear(2, 2);
            public static torch.nn.Module<torch.Tensor, torch.Tensor> LoadStrict(string path, torch.ScalarType dtype) => torch.nn.Linear(2, 2);
            public static torch.Tensor LoadTensor(string path, torch.ScalarType dtype = torch.ScalarType.Float32) => torch.zeros(1);
        }
        """;

    private static Task Analyze(string body, params Microsoft.CodeAnalysis.Testing.DiagnosticResult[] expected) =>
        VerifyCS.AnalyzeWithFilesAsync(
            VerifyCS.Usings + "using TorchSharp.PyBridge;\nusing Microsoft.ML.GenAI.Phi;\n"
            + $$"""class C { void M(string path, torch.ScalarType dtype, torch.Device device, UNetConfig given) { {{body}} } }""" + Types + StandIns.PyBridge + StandIns.GenAIPhi3,
            null,
            [],
            expected);

    [Theory]
    [InlineData("""var config = new UNetConfig { Channels = 4 }; config.DType = dtype; var m = new UNet(config); m.load_safetensors(path);""")]
    [InlineData("""var config = new UNetConfig { DType = torch.ScalarType.BFloat16 }; var m = new UNet(config); m.load_safetensors(path);""")]
    [InlineData("""var m = new Encoder(8, dtype: torch.ScalarType.BFloat16); m.load_safetensors(path);""")]
    [InlineData("""var m = new Encoder(8, dtype); m.load_safetensors(path);""")]
    [InlineData("""torch.set_default_dtype(torch.ScalarType.BFloat16); var m = new Encoder(8); m.load_safetensors(path);""")]
    [InlineData("""var m = new Encoder(8); m = m.to(device); m.to(torch.ScalarType.BFloat16); m.load_safetensors(path);""")]
    [InlineData("""var m = new UNet(given); m.load_safetensors(path);""")]
    [InlineData("""var m = new Encoder(8); m.save_py(path); var again = new Encoder(8); again.load_py(path);""")]
    public Task A_dtype_carried_into_the_module_or_a_round_trip_is_not_reported(string body) => Analyze(body);

    [Theory]
    [InlineData("""var m = new Encoder(8); {|#0:m.load_safetensors|}(path);""")]
    [InlineData("""var m = new Encoder(8); m = m.to(device); {|#0:m.load_safetensors|}(path);""")]
    [InlineData("""var m = new Encoder(8); m = m.to(device); m.eval(); {|#0:m.load_py|}(path);""")]
    [InlineData("""var m = new Encoder(8); torch.set_default_dtype(torch.ScalarType.BFloat16); {|#0:m.load_safetensors|}(path);""")]
    [InlineData("""var config = System.Text.Json.JsonSerializer.Deserialize<UNetConfig>(path)!; var m = new UNet(config); {|#0:m.load_safetensors|}(path);""")]
    [InlineData("""var config = new UNetConfig { Channels = 4 }; var m = new UNet(config); {|#0:m.load_safetensors|}(path);""")]
    [InlineData("""torch.set_default_dtype(torch.ScalarType.Float32); var config = new UNetConfig(); var m = new UNet(config); {|#0:m.load_safetensors|}(path);""")]
    public Task A_module_built_without_a_dtype_is_reported_however_it_is_moved_around(string body) => Analyze(
        body, VerifyCS.Diagnostic().WithArguments(body.Contains("load_py") ? "PyBridgeModuleExtensions.load_py" : "PyBridgeModuleExtensions.load_safetensors", PyBridgeSuffix, PyBridgeAdvice));

    [Fact]
    public Task Set_default_dtype_does_not_choose_for_a_loader_whose_own_default_decides() => Analyze(
        """torch.set_default_dtype(torch.ScalarType.BFloat16); var m = {|#0:Phi3ForCasualLM.FromPretrained|}(path);""",
        VerifyCS.Diagnostic().WithArguments(
            "Phi3ForCasualLM.FromPretrained",
            " (without torchDtype the loader's default, BFloat16, decides out of sight of this code; Phi3ForCasualLM (Phi-3): at least about 15 GB in FP32, 7.6 GB in BF16)",
            "pass torchDtype: ScalarType.BFloat16 (or ScalarType.Float32) so the precision is written where the model is loaded"));

    [Theory]
    [InlineData("""var m = {|#0:MyPhi3ForCasualLM.FromPretrained|}(path);""", "MyPhi3ForCasualLM.FromPretrained", " (without torchDtype the loader's default, Float16, decides out of sight of this code; MyPhi3ForCasualLM (Phi-3): at least about 15 GB in FP32, 7.6 GB in BF16)", "pass torchDtype: ScalarType.BFloat16 (or ScalarType.Float32) so the precision is written where the model is loaded")]
    [InlineData("""var m = {|#0:Models.LoadModel|}(path);""", "Models.LoadModel", " (without dtype the loader's default, Float32, decides out of sight of this code)", "pass dtype: DType.BFloat16 (or DType.Float32) so the precision is written where the model is loaded")]
    [InlineData("""var m = {|#0:Models.LoadByName|}("models/Llama-3.2-1B");""", "Models.LoadByName", " (without dtype the loader's default, \"float32\", decides out of sight of this code; Llama-3.2-1B: about 4.0 GB in FP32, 2.0 GB in BF16)", "pass dtype: \"bfloat16\" (or \"float32\") so the precision is written where the model is loaded")]
    public Task A_loader_is_recognised_by_its_shape_whatever_it_is_called(string body, string name, string consequence, string advice) => Analyze(
        body, VerifyCS.Diagnostic().WithArguments(name, consequence, advice));

    [Theory]
    [InlineData("""var m = MyPhi3ForCasualLM.FromPretrained(path, torchDtype: torch.ScalarType.BFloat16);""")]
    [InlineData("""var m = Models.LoadModel(path, PrecisionAnalyzers.Runtime.DType.BFloat16);""")]
    [InlineData("""var m = Models.LoadPlain(path); var n = Models.LoadStrict(path, dtype); var t = Models.LoadTensor(path);""")]
    [InlineData("""var layer = torch.nn.Linear(4, 4); var norm = torch.nn.LayerNorm(4);""")]
    public Task Calls_that_choose_or_are_not_loaders_are_not_reported(string body) => Analyze(body);
}
