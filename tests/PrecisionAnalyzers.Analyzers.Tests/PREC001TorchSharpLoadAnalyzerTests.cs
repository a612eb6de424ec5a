using VerifyCS = PrecisionAnalyzers.Analyzers.Tests.Verify<PrecisionAnalyzers.Analyzers.Rules.PREC001TorchSharpLoadAnalyzer>;

namespace PrecisionAnalyzers.Analyzers.Tests;

public sealed class PREC001TorchSharpLoadAnalyzerTests
{
    private const string Suffix = " (the module stays in TorchSharp's default FP32)";

    private const string ModuleAdvice = "build the module with dtype:, or convert it after loading with .to(ScalarType.BFloat16) or .to(ScalarType.Float32)";

    private const string ResultAdvice = "convert it with .to(ScalarType.BFloat16) or .to(ScalarType.Float32)";

    private const string CustomModule = """
        class Net : torch.nn.Module<torch.Tensor, torch.Tensor>
        {
            public Net() : base("net") { }
            public override torch.Tensor forward(torch.Tensor x) => x;
        }
        """;

    [Theory]
    [InlineData("""var model = torch.nn.Linear(4, 4); {|#0:model.load|}("w.dat");""", "torch.nn.Module.load", ModuleAdvice)]
    [InlineData("""var model = torch.nn.Linear(4, 4); model.to(torch.device("cpu")); {|#0:model.load|}("w.dat");""", "torch.nn.Module.load", ModuleAdvice)]
    [InlineData("""var m = {|#0:torch.jit.load|}("model.pt"); m.eval();""", "torch.jit.load", ResultAdvice)]
    [InlineData("""{|#0:new Net().load|}("w.dat");""", "torch.nn.Module.load", ModuleAdvice)]
    public Task A_module_whose_dtype_is_never_chosen_is_flagged(string body, string name, string advice) => VerifyCS.AnalyzeAsync(
        $$"""class C { void M() { {{body}} } }""" + CustomModule,
        VerifyCS.Diagnostic().WithArguments(name, Suffix, advice));

    [Fact]
    public Task The_size_a_path_states_is_spelled_out() => VerifyCS.AnalyzeAsync(
        """class C { void M() { var model = new Net(); {|#0:model.load|}("google/gemma-3-12b-it/model.bin"); } }""" + CustomModule,
        VerifyCS.Diagnostic().WithArguments("torch.nn.Module.load", " (the module stays in TorchSharp's default FP32; gemma-3-12b-it: about 48 GB in FP32, 24 GB in BF16)", ModuleAdvice));

    [Fact]
    public Task The_size_a_config_json_gives_is_spelled_out() => VerifyCS.AnalyzeWithFilesAsync(
        VerifyCS.Usings + """class C { void M() { var model = new Net(); {|#0:model.load|}("/models/custom/weights.dat"); } }""" + CustomModule,
        null,
        [("models/custom/config.json", """{ "model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256, "tie_word_embeddings": false }""")],
        VerifyCS.Diagnostic().WithArguments("torch.nn.Module.load", " (the module stays in TorchSharp's default FP32; custom: about 32 GB in FP32, 16 GB in BF16)", ModuleAdvice));

    [Theory]
    [InlineData("""var model = torch.nn.Linear(4, 4, dtype: torch.ScalarType.BFloat16); model.load("w.dat");""")]
    [InlineData("""var model = torch.nn.Linear(4, 4); model.to(torch.ScalarType.BFloat16); model.load("w.dat");""")]
    [InlineData("""var model = new Net().half(); model.load("w.dat");""")]
    [InlineData("""var model = torch.nn.Linear(4, 4); model.load("w.dat").to(torch.ScalarType.Float32);""")]
    [InlineData("""torch.set_default_dtype(torch.ScalarType.BFloat16); var model = torch.nn.Linear(4, 4); model.load("w.dat");""")]
    [InlineData("""var m = torch.jit.load("model.pt"); m.to(torch.ScalarType.BFloat16);""")]
    [InlineData("""var m = torch.jit.load("model.pt").bfloat16();""")]
    public Task A_module_whose_dtype_is_chosen_in_the_method_is_not_flagged(string body) => VerifyCS.AnalyzeAsync(
        $$"""class C { void M() { {{body}} } }""" + CustomModule);

    [Fact]
    public Task A_module_from_elsewhere_is_not_flagged() => VerifyCS.AnalyzeAsync(
        """
        class C
        {
            torch.nn.Module _field = torch.nn.Linear(2, 2);
            void M(torch.nn.Module fromCaller) { fromCaller.load("a"); _field.load("b"); Make().load("c"); }
            static torch.nn.Module Make() => torch.nn.Linear(2, 2);
        }
        """);
}
