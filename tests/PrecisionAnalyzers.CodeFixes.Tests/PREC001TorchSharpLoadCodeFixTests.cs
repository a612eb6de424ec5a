using Fix = PrecisionAnalyzers.CodeFixes.Tests.VerifyFix<PrecisionAnalyzers.Analyzers.Rules.PREC001TorchSharpLoadAnalyzer, PrecisionAnalyzers.CodeFixes.PREC001MissingDtypeCodeFix>;

namespace PrecisionAnalyzers.CodeFixes.Tests;

public sealed class PREC001TorchSharpLoadCodeFixTests
{
    [Fact]
    public Task Appends_a_BFloat16_conversion_to_every_load_keeping_comments() => Fix.FixAsync(
        """
        class C
        {
            void M()
            {
                var model = torch.nn.Linear(4, 4);
                {|PREC001:model.load|}("w.dat"); // weights
                var scripted = {|PREC001:torch.jit.load|}("model.pt");
            }
        }
        """,
        """
        class C
        {
            void M()
            {
                var model = torch.nn.Linear(4, 4);
                model.load("w.dat").to(torch.ScalarType.BFloat16); // weights
                var scripted = torch.jit.load("model.pt").to(torch.ScalarType.BFloat16);
            }
        }
        """,
        "PREC001.BFloat16");

    [Fact]
    public Task Appends_a_Float32_conversion() => Fix.FixAsync(
        """
        class C { void M() { var model = torch.nn.Linear(4, 4); {|PREC001:model.load|}("w.dat"); } }
        """,
        """
        class C { void M() { var model = torch.nn.Linear(4, 4); model.load("w.dat").to(torch.ScalarType.Float32); } }
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
}
