using VerifyCS = PrecisionAnalyzers.Analyzers.Tests.Verify<PrecisionAnalyzers.Analyzers.Rules.PREC001TorchSharpLoadAnalyzer>;

namespace PrecisionAnalyzers.Analyzers.Tests;

public sealed class PREC001TorchSharpLoadAnalyzerTests
{
    private const string CustomModule = """
        class Net : torch.nn.Module<torch.Tensor, torch.Tensor>
        {
            public Net() : base("net") { }
            public override torch.Tensor forward(torch.Tensor x) => x;
        }
        """;

    private const string TorchLoadSuffix = " (the module is in TorchSharp's default FP32, and Module.load throws if the saved weights are in another dtype";

    private const string TorchLoadAdvice = "build the module with dtype: set to the weights' dtype, or convert it with .to(ScalarType.BFloat16) or .to(ScalarType.Float32) before loading";

    // Module.load reads TorchSharp's own format and throws on a dtype mismatch: a program reloading the FP32 state it saved
    // has nothing to fix. Only a path that shows foreign weights (a published model, a size, a half dtype) is reported.
    [Theory]
    [InlineData("""var model = torch.nn.Linear(4, 4); {|#0:model.load|}("llama-2-7b.dat");""", "; llama-2-7b.dat: about 28 GB in FP32, 14 GB in BF16)")]
    [InlineData("""var model = torch.nn.Linear(4, 4); model.to(torch.device("cpu")); {|#0:model.load|}("weights-fp16.dat");""", ")")]
    [InlineData("""{|#0:new Net().load|}("models/gemma-2b/model.dat");""", "; gemma-2b: about 8.0 GB in FP32, 4.0 GB in BF16)")]
    [InlineData("""var model = new Net(); model = model.to(torch.CPU); {|#0:model.load|}("unet.bf16.dat");""", ")")]
    public Task A_module_whose_dtype_is_never_chosen_loading_foreign_weights_is_flagged(string body, string suffix) => VerifyCS.AnalyzeAsync(
        $$"""class C { void M() { {{body}} } }""" + CustomModule,
        VerifyCS.Diagnostic().WithArguments("torch.nn.Module.load", TorchLoadSuffix + suffix, TorchLoadAdvice));

    [Theory]
    [InlineData("""var model = torch.nn.Linear(4, 4); model.load("w.dat");""")]
    [InlineData("""var model = new Net(); model.load(System.IO.Path.Combine(dir, "checkpoint.dat"));""")]
    [InlineData("""var model = new Net(); model.save("model.bin"); var again = new Net(); again.load("model.bin");""")]
    [InlineData("""var m = torch.jit.load("model.pt"); m.eval();""")]
    [InlineData("""var m = torch.jit.load("models/llama-2-7b.pt"); m.eval();""")]
    public Task A_program_reloading_its_own_state_or_a_TorchScript_module_is_not_flagged(string body) => VerifyCS.AnalyzeAsync(
        $$"""class C { void M(string dir) { {{body}} } }""" + CustomModule);

    // Each loads foreign weights (the path names a 7B model), so only the dtype's choice keeps it quiet.
    [Theory]
    [InlineData("""var model = torch.nn.Linear(4, 4, dtype: torch.ScalarType.BFloat16); model.load("llama-2-7b.dat");""")]
    [InlineData("""var model = torch.nn.Linear(4, 4); model.to(torch.ScalarType.BFloat16); model.load("llama-2-7b.dat");""")]
    [InlineData("""var model = new Net().half(); model.load("llama-2-7b.dat");""")]
    [InlineData("""var model = torch.nn.Linear(4, 4); model.load("llama-2-7b.dat").to(torch.ScalarType.Float32);""")]
    [InlineData("""torch.set_default_dtype(torch.ScalarType.BFloat16); var model = torch.nn.Linear(4, 4); model.load("llama-2-7b.dat");""")]
    [InlineData("""var model = new Net(); model = model.to(torch.CPU); model.bfloat16(); model.load("llama-2-7b.dat");""")]
    public Task A_module_whose_dtype_is_chosen_in_the_method_is_not_flagged(string body) => VerifyCS.AnalyzeAsync(
        $$"""class C { void M() { {{body}} } }""" + CustomModule);

    [Fact]
    public Task A_module_from_elsewhere_is_not_flagged() => VerifyCS.AnalyzeAsync(
        """
        class C
        {
            torch.nn.Module _field = torch.nn.Linear(2, 2);
            void M(torch.nn.Module fromCaller) { fromCaller.load("llama-2-7b.dat"); _field.load("llama-2-7b.dat"); Make().load("llama-2-7b.dat"); }
            static torch.nn.Module Make() => torch.nn.Linear(2, 2);
        }
        """);
}
