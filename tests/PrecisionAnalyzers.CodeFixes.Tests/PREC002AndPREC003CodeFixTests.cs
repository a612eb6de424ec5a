using Fix2 = PrecisionAnalyzers.CodeFixes.Tests.VerifyFix<PrecisionAnalyzers.Analyzers.Rules.PREC002Float16OnUnsafeModelAnalyzer, PrecisionAnalyzers.CodeFixes.PREC002Float16OnUnsafeModelCodeFix>;
using Fix3 = PrecisionAnalyzers.CodeFixes.Tests.VerifyFix<PrecisionAnalyzers.Analyzers.Rules.PREC003CacheInTrainingAnalyzer, PrecisionAnalyzers.CodeFixes.PREC003CacheInTrainingCodeFix>;

namespace PrecisionAnalyzers.CodeFixes.Tests;

public sealed class PREC002AndPREC003CodeFixTests
{
    [Fact]
    public Task PREC002_switches_FP16_to_BF16_in_every_load_of_the_document() => Fix2.FixAsync(
        """
        class C
        {
            void M()
            {
                using var a = CausalLM.Load("google/gemma-2-9b", new LoadOptions { Dtype = {|PREC002:DType.Float16|} /* fast */ });
                using var b = CausalLM.Load("meta-llama/Llama-3.1-8B", new LoadOptions { Dtype = {|PREC002:DType.Float16|} });
            }
        }
        """,
        """
        class C
        {
            void M()
            {
                using var a = CausalLM.Load("google/gemma-2-9b", new LoadOptions { Dtype = DType.BFloat16 /* fast */ });
                using var b = CausalLM.Load("meta-llama/Llama-3.1-8B", new LoadOptions { Dtype = DType.BFloat16 });
            }
        }
        """);

    [Fact]
    public Task PREC003_turns_the_cache_off_keeping_comments() => Fix3.FixAsync(
        """
        class C
        {
            void FineTune(CausalLM model)
            {
                using var base = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = {|PREC003:true|} /* from the sample */ });
                model.UseCache = {|PREC003:true|}; // generation
                model.Train();
            }
        }
        """.Replace("base", "loaded", StringComparison.Ordinal),
        """
        class C
        {
            void FineTune(CausalLM model)
            {
                using var loaded = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = false /* from the sample */ });
                model.UseCache = false; // generation
                model.Train();
            }
        }
        """);
}
