using PrecisionAnalyzers.Tests.Shared;
using Fix2 = PrecisionAnalyzers.CodeFixes.Tests.VerifyFix<PrecisionAnalyzers.Analyzers.Rules.PREC002Float16OnUnsafeModelAnalyzer, PrecisionAnalyzers.CodeFixes.PREC002Float16OnUnsafeModelCodeFix>;

namespace PrecisionAnalyzers.CodeFixes.Tests;

/// <summary>PREC002's fix on TorchSharp's FP16 forms: each switches to its BF16 spelling, trivia kept, and the result compiles.</summary>
public sealed class PREC002Float16OnUnsafeModelCodeFixTests
{
    private static string File(string body) =>
        "using TorchSharp.PyBridge;\nusing Microsoft.ML.GenAI.Phi;\n" + $$"""class C { void M() { {{body}} } }""" + StandIns.PyBridge + StandIns.GenAIPhi3;

    [Theory]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin"); m.{|PREC002:half|}();""", """var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin"); m.bfloat16();""")]
    [InlineData("""var m = torch.nn.Linear(4, 4).load_safetensors("gemma-2b.safetensors").{|PREC002:half|}(/* now */);""", """var m = torch.nn.Linear(4, 4).load_safetensors("gemma-2b.safetensors").bfloat16(/* now */);""")]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.to({|PREC002:torch.ScalarType.Float16|}); m.load("models/gemma-2b.bin");""", """var m = torch.nn.Linear(4, 4); m.to(torch.ScalarType.BFloat16); m.load("models/gemma-2b.bin");""")]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin").to({|PREC002:torch.float16|});""", """var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin").to(torch.bfloat16);""")]
    [InlineData("""var m = torch.nn.Linear(4, 4); m.to(torch.CPU, {|PREC002:torch.half|} /* was FP16 */); m.load("models/gemma-2b.bin");""", """var m = torch.nn.Linear(4, 4); m.to(torch.CPU, torch.bfloat16 /* was FP16 */); m.load("models/gemma-2b.bin");""")]
    [InlineData("""var m = Phi3ForCausalLM.FromPretrained("google/gemma-2-9b", torchDtype: {|PREC002:torch.ScalarType.Float16|});""", """var m = Phi3ForCausalLM.FromPretrained("google/gemma-2-9b", torchDtype: torch.ScalarType.BFloat16);""")]
    [InlineData("""torch.set_default_dtype({|PREC002:torch.ScalarType.Float16|}); var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin");""", """torch.set_default_dtype(torch.ScalarType.BFloat16); var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin");""")]
    [InlineData("""var dt = torch.ScalarType.Float16; var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin"); m.to({|PREC002:dt|});""", """var dt = torch.ScalarType.BFloat16; var m = torch.nn.Linear(4, 4); m.load("models/gemma-2b.bin"); m.to(dt);""")]
    [InlineData("""var dtype = DType.Float16; using var e = PrecisionAnalyzers.Runtime.CausalLM.Load("google/gemma-2-9b", new LoadOptions { Dtype = {|PREC002:dtype|} });""", """var dtype = DType.BFloat16; using var e = PrecisionAnalyzers.Runtime.CausalLM.Load("google/gemma-2-9b", new LoadOptions { Dtype = dtype });""")]
    [InlineData("""var options = new LoadOptions { Dtype = DType.Float16 }; using var e = PrecisionAnalyzers.Runtime.CausalLM.Load("google/gemma-2-9b", {|PREC002:options|});""", """var options = new LoadOptions { Dtype = DType.BFloat16 }; using var e = PrecisionAnalyzers.Runtime.CausalLM.Load("google/gemma-2-9b", options);""")]
    public Task Each_FP16_form_becomes_its_BF16_form(string before, string after) => Fix2.FixAsync(File(before), File(after));

    [Fact]
    public Task FixAll_switches_every_form_in_the_document() => Fix2.FixAsync(
        "using static TorchSharp.torch;\n" + File("""
            var a = nn.Linear(4, 4);
            a.load("models/gemma-2b.bin");
            a.{|PREC002:half|}(); // was FP16
            var b = nn.Linear(4, 4).to({|PREC002:ScalarType.Float16|});
            b.load("google/gemma-2-9b/model.bin");
            var c = nn.Linear(4, 4);
            c.load("meta-llama/Llama-3.1-8B/model.bin").to(CPU, {|PREC002:float16|});
            var d = Phi3ForCausalLM.FromPretrained("google/gemma-2-9b", torchDtype: {|PREC002:ScalarType.Float16|});
            using var e = PrecisionAnalyzers.Runtime.CausalLM.Load("google/gemma-2-9b", new LoadOptions { Dtype = {|PREC002:DType.Float16|} });
            """),
        "using static TorchSharp.torch;\n" + File("""
            var a = nn.Linear(4, 4);
            a.load("models/gemma-2b.bin");
            a.bfloat16(); // was FP16
            var b = nn.Linear(4, 4).to(ScalarType.BFloat16);
            b.load("google/gemma-2-9b/model.bin");
            var c = nn.Linear(4, 4);
            c.load("meta-llama/Llama-3.1-8B/model.bin").to(CPU, bfloat16);
            var d = Phi3ForCausalLM.FromPretrained("google/gemma-2-9b", torchDtype: ScalarType.BFloat16);
            using var e = PrecisionAnalyzers.Runtime.CausalLM.Load("google/gemma-2-9b", new LoadOptions { Dtype = DType.BFloat16 });
            """));
}
