using Fix2 = PrecisionAnalyzers.CodeFixes.Tests.VerifyFix<PrecisionAnalyzers.Analyzers.Rules.PREC002Float16OnUnsafeModelAnalyzer, PrecisionAnalyzers.CodeFixes.PREC002Float16OnUnsafeModelCodeFix>;
using Fix3 = PrecisionAnalyzers.CodeFixes.Tests.VerifyFix<PrecisionAnalyzers.Analyzers.Rules.PREC003CacheInTrainingAnalyzer, PrecisionAnalyzers.CodeFixes.PREC003CacheInTrainingCodeFix>;

using PrecisionAnalyzers.Tests.Shared;

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
                base.Train();
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
                loaded.Train();
            }
        }
        """);

    [Fact]
    public Task PREC003_adds_useCache_false_to_a_GenAI_input_that_left_it_to_its_default() => Fix3.FixAsync(
        "using Microsoft.ML.GenAI.Core;\n" + """
        class C
        {
            void Step(InputNet model, torch.Tensor ids, torch.Tensor loss)
            {
                var input = new {|PREC003:CausalLMModelInput|}(ids, labels: ids); // the training batch
                var other = new {|PREC003:CausalLMModelInput|}(ids);
                var explicitOn = new CausalLMModelInput(ids, useCache: {|PREC003:true|});
                model.forward(input); model.forward(other); model.forward(explicitOn);
                loss.backward();
            }
        }

        class InputNet : torch.nn.Module<CausalLMModelInput, torch.Tensor>
        {
            public InputNet() : base("net") { }
            public override torch.Tensor forward(CausalLMModelInput input) => input.InputIds;
        }
        """ + StandIns.GenAI,
        "using Microsoft.ML.GenAI.Core;\n" + """
        class C
        {
            void Step(InputNet model, torch.Tensor ids, torch.Tensor loss)
            {
                var input = new CausalLMModelInput(ids, labels: ids, useCache: false); // the training batch
                var other = new CausalLMModelInput(ids, useCache: false);
                var explicitOn = new CausalLMModelInput(ids, useCache: false);
                model.forward(input); model.forward(other); model.forward(explicitOn);
                loss.backward();
            }
        }

        class InputNet : torch.nn.Module<CausalLMModelInput, torch.Tensor>
        {
            public InputNet() : base("net") { }
            public override torch.Tensor forward(CausalLMModelInput input) => input.InputIds;
        }
        """ + StandIns.GenAI);

    [Fact]
    public Task PREC003_turns_the_cache_off_in_the_part_of_a_partial_type_that_configures_it() => Fix3.FixFilesAsync(
        [
            Fix3.Usings + """
            partial class FineTuner
            {
                private readonly CausalLM _model = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = {|PREC003:true|} });

                public FineTuner() => _model.UseCache = {|PREC003:true|}; // for samples
            }
            """,
            Fix3.Usings + "partial class FineTuner { public void Step(torch.Tensor loss) => loss.backward(); }",
        ],
        [
            Fix3.Usings + """
            partial class FineTuner
            {
                private readonly CausalLM _model = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = false });

                public FineTuner() => _model.UseCache = false; // for samples
            }
            """,
            Fix3.Usings + "partial class FineTuner { public void Step(torch.Tensor loss) => loss.backward(); }",
        ]);

    [Fact]
    public Task PREC003_adds_useCache_false_to_a_GenAI_input_a_partial_type_configures() => Fix3.FixFilesAsync(
        [
            "using Microsoft.ML.GenAI.Core;\n" + Fix3.Usings + "partial class FineTuner { public FineTuner(torch.Tensor ids) { var input = new {|PREC003:CausalLMModelInput|}(ids); } }" + StandIns.GenAI,
            Fix3.Usings + "partial class FineTuner { public void Step(torch.Tensor loss) => loss.backward(); }",
        ],
        [
            "using Microsoft.ML.GenAI.Core;\n" + Fix3.Usings + "partial class FineTuner { public FineTuner(torch.Tensor ids) { var input = new CausalLMModelInput(ids, useCache: false); } }" + StandIns.GenAI,
            Fix3.Usings + "partial class FineTuner { public void Step(torch.Tensor loss) => loss.backward(); }",
        ]);
}
