using Fix = PrecisionAnalyzers.CodeFixes.Tests.VerifyFix<PrecisionAnalyzers.Analyzers.Rules.PREC001TorchSharpLoadAnalyzer, PrecisionAnalyzers.CodeFixes.PREC001MissingDtypeCodeFix>;

namespace PrecisionAnalyzers.CodeFixes.Tests;

public sealed class PREC001TorchSharpLoadCodeFixTests
{
    [Fact]
    public Task Converts_the_module_before_every_load_keeping_comments() => Fix.FixAsync(
        """
        class C
        {
            void M()
            {
                var model = torch.nn.Linear(4, 4);
                {|PREC001:model.load|}("llama-2-7b.dat"); // weights
                var other = torch.nn.Linear(4, 4);
                {|PREC001:other.load|}("gemma-2b-fp16.dat");
            }
        }
        """,
        """
        class C
        {
            void M()
            {
                var model = torch.nn.Linear(4, 4);
                model.to(torch.ScalarType.BFloat16).load("llama-2-7b.dat"); // weights
                var other = torch.nn.Linear(4, 4);
                other.to(torch.ScalarType.BFloat16).load("gemma-2b-fp16.dat");
            }
        }
        """,
        "PREC001.BFloat16");

    [Fact]
    public Task Converts_to_Float32() => Fix.FixAsync(
        """
        class C { void M() { var model = torch.nn.Linear(4, 4); {|PREC001:model.load|}("llama-2-7b.dat"); } }
        """,
        """
        class C { void M() { var model = torch.nn.Linear(4, 4); model.to(torch.ScalarType.Float32).load("llama-2-7b.dat"); } }
        """,
        "PREC001.Float32");
}

public sealed class PREC001GenAiCodeFixTests
{
    [Fact]
    public Task Adds_torchDtype_to_FromPretrained() => PrecisionAnalyzers.CodeFixes.Tests.VerifyFix<PrecisionAnalyzers.Analyzers.Rules.PREC001TorchSharpLoadAnalyzer, PrecisionAnalyzers.CodeFixes.PREC001MissingDtypeCodeFix>.FixAsync(
        """
        class C { void M() { var model = {|PREC001:Acme.Phi3ForCausalLM.FromPretrained|}("phi-3-mini"); } }
        namespace Acme { public class Phi3ForCausalLM { public static Phi3ForCausalLM FromPretrained(string folder, torch.ScalarType torchDtype = torch.ScalarType.BFloat16) => new(); } }
        """,
        """
        class C { void M() { var model = Acme.Phi3ForCausalLM.FromPretrained("phi-3-mini", torchDtype: torch.ScalarType.BFloat16); } }
        namespace Acme { public class Phi3ForCausalLM { public static Phi3ForCausalLM FromPretrained(string folder, torch.ScalarType torchDtype = torch.ScalarType.BFloat16) => new(); } }
        """,
        "PREC001.BFloat16");

    [Fact]
    public Task Adds_the_dtype_of_a_loader_recognised_by_shape_in_its_own_type() => PrecisionAnalyzers.CodeFixes.Tests.VerifyFix<PrecisionAnalyzers.Analyzers.Rules.PREC001TorchSharpLoadAnalyzer, PrecisionAnalyzers.CodeFixes.PREC001MissingDtypeCodeFix>.FixAsync(
        """
        class C { void M() { var a = {|PREC001:Models.LoadModel|}("m"); var b = {|PREC001:Models.LoadByName|}("m"); } }
        static class Models
        {
            public static torch.nn.Module<torch.Tensor, torch.Tensor> LoadModel(string path, PrecisionAnalyzers.Runtime.DType dtype = PrecisionAnalyzers.Runtime.DType.Float32) => torch.nn.Linear(2, 2);
            public static torch.nn.Module<torch.Tensor, torch.Tensor> LoadByName(string path, string dtype = "float32") => torch.nn.Linear(2, 2);
        }
        """,
        """
        class C { void M() { var a = Models.LoadModel("m", dtype: DType.BFloat16); var b = Models.LoadByName("m", dtype: "bfloat16"); } }
        static class Models
        {
            public static torch.nn.Module<torch.Tensor, torch.Tensor> LoadModel(string path, PrecisionAnalyzers.Runtime.DType dtype = PrecisionAnalyzers.Runtime.DType.Float32) => torch.nn.Linear(2, 2);
            public static torch.nn.Module<torch.Tensor, torch.Tensor> LoadByName(string path, string dtype = "float32") => torch.nn.Linear(2, 2);
        }
        """,
        "PREC001.BFloat16");
}
