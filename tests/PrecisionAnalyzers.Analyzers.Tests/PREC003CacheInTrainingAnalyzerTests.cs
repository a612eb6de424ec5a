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
        "using Microsoft.ML.GenAI.Core;\n" + $$"""class C { void Step(InputNet model, torch.Tensor ids, torch.Tensor loss) { {{body}} model.forward(input); loss.backward(); } }""" + InputNet + StandIns.GenAI,
        VerifyCS.Diagnostic().WithArguments("Step"));

    [Fact]
    public Task GenAI_input_that_only_carries_tensors_is_not_flagged() => VerifyCS.AnalyzeAsync(
        "using Microsoft.ML.GenAI.Core;\nusing System.Linq;\n" + """
        class C
        {
            void Step(InputNet model, torch.Tensor[] batches, torch.Tensor loss)
            {
                var inputs = batches.Select(ids => new CausalLMModelInput(ids, labels: ids)).ToList();
                foreach (var input in inputs)
                {
                    model.forward(new CausalLMModelInput(input.InputIds, useCache: false));
                    loss.backward();
                }
            }
        }
        """ + InputNet + StandIns.GenAI);

    private const string InputNet = """

        class InputNet : torch.nn.Module<Microsoft.ML.GenAI.Core.CausalLMModelInput, torch.Tensor>
        {
            public InputNet() : base("net") { }
            public override torch.Tensor forward(Microsoft.ML.GenAI.Core.CausalLMModelInput input) => input.InputIds;
        }
        """;

    [Theory]
    [InlineData("""var input = new CausalLMModelInput(ids, useCache: false); loss.backward();""")]
    [InlineData("""var input = new CausalLMModelInput(ids) { UseCache = false }; loss.backward();""")]
    [InlineData("""var input = new CausalLMModelInput(ids);""")]
    public Task GenAI_model_input_with_the_cache_off_or_outside_training_is_not_flagged(string body) => VerifyCS.AnalyzeAsync(
        "using Microsoft.ML.GenAI.Core;\n" + $$"""class C { void Step(torch.Tensor ids, torch.Tensor loss) { {{body}} } }""" + StandIns.GenAI);

    // Per receiver (issue 14): the cache on model A in a method that trains model B is not a finding.
    [Theory]
    [InlineData("""using var t = CausalLM.Load("t", new LoadOptions { Dtype = DType.BFloat16, UseCache = true }); using var s = CausalLM.Load("s", new LoadOptions { Dtype = DType.BFloat16 }); s.Train();""")]
    [InlineData("""var options = new LoadOptions { Dtype = DType.BFloat16, UseCache = true }; using var t = CausalLM.Load("t", options); using var s = CausalLM.Load("s", new LoadOptions { Dtype = DType.BFloat16 }); using var trainer = new PrecisionAnalyzers.Runtime.Training.LoraTrainer(s, new PrecisionAnalyzers.Runtime.Training.TrainingOptions()); trainer.Train(data);""")]
    [InlineData("""teacher.UseCache = true; student.Train();""")]
    public Task The_cache_on_a_model_the_method_does_not_train_is_not_flagged(string body) => VerifyCS.AnalyzeAsync(
        $$"""class C { void Distill(CausalLM teacher, CausalLM student, PrecisionAnalyzers.Runtime.Training.TextDataset data) { {{body}} } }""");

    [Theory]
    [InlineData("""teacher.UseCache = {|#0:true|}; teacher.Train();""")]
    [InlineData("""using var model = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = {|#0:true|} }); using var other = CausalLM.Load("s", new LoadOptions { Dtype = DType.BFloat16 }); other.Eval(); model.Train();""")]
    [InlineData("""var options = new LoadOptions { Dtype = DType.BFloat16, UseCache = {|#0:true|} }; using var model = CausalLM.Load("m", options); using var trainer = new PrecisionAnalyzers.Runtime.Training.LoraTrainer(model, new PrecisionAnalyzers.Runtime.Training.TrainingOptions()); trainer.Train(data);""")]
    public Task The_cache_on_the_model_the_method_trains_is_flagged(string body) => VerifyCS.AnalyzeAsync(
        $$"""class C { void Distill(CausalLM teacher, CausalLM student, PrecisionAnalyzers.Runtime.Training.TextDataset data) { {{body}} } }""",
        VerifyCS.Diagnostic().WithArguments("Distill"));

    [Fact]
    public Task GenAI_input_to_a_model_whose_parameters_the_optimizer_trains_is_flagged_and_to_another_model_is_not() => VerifyCS.AnalyzeAsync(
        "using Microsoft.ML.GenAI.Core;\n" + """
        class Net : torch.nn.Module<CausalLMModelInput, torch.Tensor>
        {
            public Net() : base("net") { }
            public override torch.Tensor forward(CausalLMModelInput input) => input.InputIds;
        }

        class C
        {
            void Step(Net model, Net reference, torch.Tensor ids)
            {
                var optimizer = torch.optim.AdamW(model.parameters());
                var input = new {|#0:CausalLMModelInput|}(ids);
                var loss = model.forward(input);
                var frozen = reference.forward(new CausalLMModelInput(ids));
                loss.backward();
                optimizer.step();
            }
        }
        """ + StandIns.GenAI,
        VerifyCS.Diagnostic().WithArguments("Step"));

    [Theory]
    [InlineData("""Action step = () => { model.UseCache = {|#0:true|}; }; step(); loss.backward();""")]
    [InlineData("""void Prepare() { model.UseCache = {|#0:true|}; } Prepare(); Enumerable.Range(0, 3).ToList().ForEach(_ => loss.backward());""")]
    [InlineData("""model.UseCache = {|#0:true|}; await foreach (var progress in trainer.TrainAsync(3)) { }""")]
    public Task Training_in_lambdas_local_functions_and_trainers_counts(string body) => VerifyCS.AnalyzeAsync(
        $$"""
        using System;
        using System.Linq;
        using System.Collections.Generic;
        class FineTuningTrainer { public async IAsyncEnumerable<int> TrainAsync(int epochs) { await System.Threading.Tasks.Task.Yield(); yield return epochs; } }
        class C { async System.Threading.Tasks.Task Run(CausalLM model, torch.Tensor loss, FineTuningTrainer trainer) { {{body}} } }
        """,
        VerifyCS.Diagnostic().WithArguments("Run"));

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

    private const string Trains = VerifyCS.Usings + "partial class FineTuner { public void Step(torch.Tensor loss) => loss.backward(); }";

    private const string DoesNotTrain = VerifyCS.Usings + "partial class FineTuner { public void Answer(CausalLM model) => model.Eval(); }";

    [Theory]
    [InlineData("""private readonly CausalLM _model = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = {|#0:true|} });""")]
    [InlineData("""private LoadOptions Options { get; } = new LoadOptions { Dtype = DType.BFloat16, UseCache = {|#0:true|} };""")]
    [InlineData("""public FineTuner(CausalLM model) { model.UseCache = {|#0:true|}; }""")]
    public Task The_cache_turned_on_as_the_configuration_of_a_partial_type_is_flagged_when_another_part_trains(string member) => VerifyCS.AnalyzeFilesAsync(
        [VerifyCS.Usings + "partial class FineTuner { " + member + " }", Trains],
        VerifyCS.Diagnostic().WithArguments("FineTuner"));

    [Fact]
    public Task A_GenAI_model_input_configured_in_one_part_is_flagged_when_another_part_trains() => VerifyCS.AnalyzeFilesAsync(
        [
            "using Microsoft.ML.GenAI.Core;\n" + VerifyCS.Usings + "partial class FineTuner { public FineTuner(torch.Tensor ids) { var input = new {|#0:CausalLMModelInput|}(ids); } }" + StandIns.GenAI,
            Trains,
        ],
        VerifyCS.Diagnostic().WithArguments("FineTuner"));

    [Theory]
    [InlineData("""private readonly CausalLM _model = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = true });""")]
    [InlineData("""public FineTuner(CausalLM model) { model.UseCache = true; }""")]
    public Task The_cache_turned_on_as_the_configuration_of_a_partial_type_no_part_of_which_trains_is_not_flagged(string member) => VerifyCS.AnalyzeFilesAsync(
        [VerifyCS.Usings + "partial class FineTuner { " + member + " }", DoesNotTrain]);

    [Fact]
    public Task A_partial_type_with_its_parts_in_one_file_is_flagged_once_per_site() => VerifyCS.AnalyzeAsync(
        """
        partial class FineTuner
        {
            private readonly CausalLM _model = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = {|#0:true|} });

            public FineTuner() => _model.UseCache = {|#1:true|};

            public void Run() => _model.Train();
        }

        partial class FineTuner
        {
            public void Step(torch.Tensor loss) => loss.backward();
        }
        """,
        VerifyCS.Diagnostic(0).WithArguments("FineTuner"),
        VerifyCS.Diagnostic(1).WithArguments("FineTuner"));

    [Fact]
    public Task A_method_of_a_partial_type_is_judged_on_its_own_even_when_another_part_trains() => VerifyCS.AnalyzeFilesAsync(
        [
            VerifyCS.Usings + """partial class Service { void Generate() { using var model = CausalLM.Load("m", new LoadOptions { Dtype = DType.BFloat16, UseCache = true }); } }""",
            VerifyCS.Usings + "partial class Service { void FineTune(CausalLM other) => other.Train(); }",
        ]);

    [Fact]
    public Task A_training_method_of_a_partial_type_is_still_flagged_once() => VerifyCS.AnalyzeFilesAsync(
        [
            VerifyCS.Usings + """partial class Service { void FineTune() { using var model = CausalLM.Load("m", new LoadOptions { UseCache = {|#0:true|} }); model.Train(); } }""",
            VerifyCS.Usings + "partial class Service { void Other(torch.Tensor loss) => loss.backward(); }",
        ],
        VerifyCS.Diagnostic().WithArguments("FineTune"));

    [Fact]
    public Task A_site_in_a_type_nested_in_a_partial_type_belongs_to_the_nested_type() => VerifyCS.AnalyzeFilesAsync(
        [
            VerifyCS.Usings + """
            partial class Outer
            {
                private readonly LoadOptions _options = new LoadOptions { UseCache = {|#0:true|} };

                class Chat { private readonly LoadOptions _options = new LoadOptions { UseCache = true }; }
            }
            """,
            VerifyCS.Usings + "partial class Outer { void Step(torch.Tensor loss) => loss.backward(); }",
        ],
        VerifyCS.Diagnostic().WithArguments("Outer"));

    [Fact]
    public Task A_nested_partial_type_is_judged_on_its_own_parts() => VerifyCS.AnalyzeFilesAsync(
        [
            VerifyCS.Usings + "partial class Outer { partial class Inner { private readonly LoadOptions _options = new LoadOptions { UseCache = {|#0:true|} }; } }",
            VerifyCS.Usings + "partial class Outer { partial class Inner { void Step(torch.Tensor loss) => loss.backward(); } }",
            VerifyCS.Usings + "partial class Outer { private readonly LoadOptions _options = new LoadOptions { UseCache = true }; }",
        ],
        VerifyCS.Diagnostic().WithArguments("Inner"));

    [Fact]
    public Task A_partial_type_with_a_generated_part_is_still_analysed() => VerifyCS.AnalyzeFilesAsync(
        [
            VerifyCS.Usings + "partial class FineTuner { private readonly LoadOptions _options = new LoadOptions { UseCache = {|#0:true|} }; }",
            Trains,
            "// <auto-generated/>\n" + "partial class FineTuner { public int Generated => 1; }",
        ],
        VerifyCS.Diagnostic().WithArguments("FineTuner"));
}
