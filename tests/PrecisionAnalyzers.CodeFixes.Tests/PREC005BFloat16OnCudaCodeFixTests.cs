using Fix = PrecisionAnalyzers.CodeFixes.Tests.VerifyFix<PrecisionAnalyzers.Analyzers.Rules.PREC005BFloat16OnCudaAnalyzer, PrecisionAnalyzers.CodeFixes.PREC005BFloat16OnCudaCodeFix>;

namespace PrecisionAnalyzers.CodeFixes.Tests;

public sealed class PREC005BFloat16OnCudaCodeFixTests
{
    [Fact]
    public Task Switches_to_Auto_everywhere_keeping_comments() => Fix.FixAsync(
        """
        class C
        {
            void M()
            {
                using var a = CausalLM.Load("a", new LoadOptions { Dtype = {|PREC005:DType.BFloat16|} /* fast */, Device = "cuda" });
                using var b = CausalLM.Load("b", new LoadOptions { Device = "cuda:1", Dtype = {|PREC005:DType.BFloat16|} });
                var options = new LoadOptions { Dtype = DType.BFloat16, Device = "cuda" };
                using var c = CausalLM.Load("c", {|PREC005:options|});
            }
        }
        """,
        """
        class C
        {
            void M()
            {
                using var a = CausalLM.Load("a", new LoadOptions { Dtype = DType.Auto /* fast */, Device = "cuda" });
                using var b = CausalLM.Load("b", new LoadOptions { Device = "cuda:1", Dtype = DType.Auto });
                var options = new LoadOptions { Dtype = DType.Auto, Device = "cuda" };
                using var c = CausalLM.Load("c", options);
            }
        }
        """);
}
