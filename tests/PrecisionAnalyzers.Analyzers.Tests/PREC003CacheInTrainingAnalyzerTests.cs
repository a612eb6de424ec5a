using VerifyCS = PrecisionAnalyzers.Analyzers.Tests.Verify<PrecisionAnalyzers.Analyzers.Rules.PREC003CacheInTrainingAnalyzer>;

using PrecisionAnalyzers.Tests.Shared;

namespace PrecisionAnalyzers.Analyzers.Tests;

public sealed class PREC003CacheInTrainingAnalyzerTests
{
    [Fact]
    public Task Load_options_with_the_cache_on_for_a_model_the_method_trains_are_flagged() => VerifyCS.AnalyzeAsync(
        """
        class C
        {
            void FineTune()
            {
                using var model = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = {|#0:true|} });
                model.Train();
            }
        }
        """,
        VerifyCS.Diagnostic().WithArguments("FineTune"));

    [Fact]
    public Task Turning_the_cache_on_on_the_model_before_training_is_flagged() => VerifyCS.AnalyzeAsync(
        """
        class C
        {
            void FineTune(CausalLM model)
            {
                model.UseCache = {|#0:true|};
                model.Train();
            }
        }
        """,
        VerifyCS.Diagnostic().WithArguments("FineTune"));

    [Fact]
    public Task The_cache_turned_on_in_a_field_initializer_of_a_type_that_trains_is_flagged() => VerifyCS.AnalyzeAsync(
        """
        class FineTuner
        {
            private readonly CausalLM _model = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = {|#0:true|} });

            public void Run() => _model.Train();
        }
        """,
        VerifyCS.Diagnostic().WithArguments("FineTuner"));

    [Fact]
    public Task The_cache_turned_on_in_a_constructor_of_a_type_that_trains_is_flagged() => VerifyCS.AnalyzeAsync(
        """
        class FineTuner
        {
            private readonly CausalLM _model;

            public FineTuner(CausalLM model)
            {
                model.UseCache = {|#0:true|};
                _model = model;
            }

            public void Step(torch.Tensor loss) => loss.backward();
        }
        """,
        VerifyCS.Diagnostic().WithArguments("FineTuner"));

    [Fact]
    public Task A_generation_method_beside_a_training_method_is_not_flagged_nor_a_configuring_type_that_never_trains() => VerifyCS.AnalyzeAsync(
        """
        class Service
        {
            void Generate() { using var model = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = true }); }

            void FineTune(CausalLM other) => other.Train();
        }

        class Chat
        {
            private readonly CausalLM _model = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = true });

            public Chat() => _model.UseCache = true;

            public void Answer() => _model.Eval();
        }
        """);

    [Fact]
    public Task TorchSharp_training_steps_count_as_training() => VerifyCS.AnalyzeAsync(
        """
        class C
        {
            void Step(CausalLM model, torch.Tensor loss, torch.optim.Optimizer optimizer)
            {
                var options = new LoadOptions { UseCache = {|#0:true|} };
                loss.backward();
                optimizer.step();
            }
        }
        """,
        VerifyCS.Diagnostic().WithArguments("Step"));

    [Fact]
    public Task A_LoRA_trainer_run_counts_as_training() => VerifyCS.AnalyzeAsync(
        """
        using PrecisionAnalyzers.Runtime.Training;

        class C
        {
            void FineTune(TextDataset data)
            {
                using var model = CausalLM.Load("gemma-3-1b", new LoadOptions { Dtype = DType.BFloat16, UseCache = {|#0:true|} });
                using var trainer = new LoraTrainer(model, new TrainingOptions { Steps = 10 });
                trainer.Train(data);
            }
        }
        """,
        VerifyCS.Diagnostic().WithArguments("FineTune"));

    [Theory]
    [InlineData("""var input = new {|#0:CausalLMModelInput|}(ids, labels: ids);""")]
    [InlineData("""var input = new CausalLMModelInput(ids, useCache: {|#0:true|});""")]
    [InlineData("""var input = new CausalLMModelInput(ids) { UseCache = {|#0:true|} };""")]
    [InlineData("""var input = new CausalLMModelInput(ids, useCache: false); input.UseCache = {|#0:true|};""")]
    public Task GenAI_model_input_with_the_cache_on_in_a_training_step_is_flagged(string body) => VerifyCS.AnalyzeAsync(
        "using Microsoft.ML.GenAI.Core;\n" + $$"""class C { void Step(torch.Tensor ids, torch.Tensor loss) { {{body}} loss.backward(); } }""" + StandIns.GenAI,
        VerifyCS.Diagnostic().WithArguments("Step"));

    [Theory]
    [InlineData("""var input = new CausalLMModelInput(ids, useCache: false); loss.backward();""")]
    [InlineData("""var input = new CausalLMModelInput(ids) { UseCache = false }; loss.backward();""")]
    [InlineData("""var input = new CausalLMModelInput(ids);""")]
    public Task GenAI_model_input_with_the_cache_off_or_outside_training_is_not_flagged(string body) => VerifyCS.AnalyzeAsync(
        "using Microsoft.ML.GenAI.Core;\n" + $$"""class C { void Step(torch.Tensor ids, torch.Tensor loss) { {{body}} } }""" + StandIns.GenAI);

    [Theory]
    [InlineData("""using var model = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = true }); model.Eval();""")]
    [InlineData("""using var model = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = false }); model.Train();""")]
    [InlineData("""using var model = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16 }); model.Train();""")]
    public Task Evaluation_only_code_and_a_cache_left_off_are_not_flagged(string body) => VerifyCS.AnalyzeAsync($$"""class C { void M() { {{body}} } }""");

    [Fact]
    public Task A_Train_method_of_an_unrelated_type_does_not_count() => VerifyCS.AnalyzeAsync(
        """
        class Dog { public void Train() { } }
        class C { void M(Dog dog) { var o = new LoadOptions { UseCache = true }; dog.Train(); } }
        """);
}
