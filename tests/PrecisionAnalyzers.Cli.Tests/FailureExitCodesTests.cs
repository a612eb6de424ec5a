using System.Runtime.InteropServices;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Adapters;
using PrecisionAnalyzers.Runtime.Chat;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Encoders;
using PrecisionAnalyzers.Runtime.Hardware;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Tokenization;
using PrecisionAnalyzers.Runtime.Training;

namespace PrecisionAnalyzers.Cli.Tests;

/// <summary>Each failure the CLI expects has its exit code and a message that names what went wrong; anything else is a bug.</summary>
public sealed class FailureExitCodesTests
{
    public static TheoryData<Exception, string> BadInput() => new()
    {
        { new BadInputException("--top-p must be in (0, 1]"), "--top-p" },
        { new ModelConfigException("/m/config.json", "hidden_size", "is missing"), "config.json" },
        { new SafetensorsFormatException("/m/model.safetensors", null, SafetensorsRule.FileTooSmall, "the file is shorter than 8 bytes"), "model.safetensors" },
        { new WeightMappingException("llama", ["model.norm.weight"], [], []), "model.norm.weight" },
        { new AdapterFormatException("/a/adapter_config.json", "r is missing"), "adapter_config.json" },
        { new ChatTemplateException("/m/tokenizer_config.json", 1, 1, "no chat_template"), "chat_template" },
        { new TokenizerException("/m/tokenizer.json", "model.vocab is not an object"), "tokenizer.json" },
        { new DatasetException("/d/data.jsonl", 3, "no text"), "data.jsonl" },
        { new HardwareProfileException("/h/profile.json: devices is missing"), "profile.json" },
        { new SentenceModelException("/s/modules.json", "no Pooling module"), "modules.json" },
        { new ContextLengthException(600, 20, 512, "max_position_embeddings"), "512" },
        { new UnauthorizedAccessException("Access to the path '/m/config.json' is denied."), "/m/config.json" },
        { new FileNotFoundException("Could not find file '/m/x'.", "/m/x"), "/m/x" },
        { new DirectoryNotFoundException("Could not find a part of the path '/m/y'."), "/m/y" },
        { new IOException("No space left on device : '/out/logits.npy'"), "/out/logits.npy" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Input_errors_are_exit_2_with_their_message(Exception failure, string named)
    {
        var mapped = FailureExitCodes.Map(failure);

        Assert.NotNull(mapped);
        Assert.Equal(ExitCodes.BadInput, mapped.ExitCode);
        Assert.Contains(named, mapped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_permission_error_says_permission_denied()
    {
        var mapped = FailureExitCodes.Map(new UnauthorizedAccessException("Access to the path '/m/config.json' is denied."))!;

        Assert.Contains("permission denied", mapped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_that_cannot_run_is_exit_3()
    {
        var mapped = FailureExitCodes.Map(new PrecisionException(RuntimeCodes.DoesNotFit, "gemma cannot run on this machine"))!;

        Assert.Equal(ExitCodes.CannotRun, mapped.ExitCode);
        Assert.StartsWith("PREC103", mapped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_finite_activations_in_FP32_are_exit_3_with_PREC104_and_what_to_check()
    {
        var mapped = FailureExitCodes.Map(new NonFiniteActivationsException(0, 0, 0, DType.Float32, "decoder layer 0"))!;

        Assert.Equal(ExitCodes.CannotRun, mapped.ExitCode);
        Assert.StartsWith("PREC104", mapped.Message, StringComparison.Ordinal);
        Assert.Contains("NaN/Inf weights", mapped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_guards_throw_policy_is_exit_3_and_names_the_policy()
    {
        var mapped = FailureExitCodes.Map(new NonFiniteActivationsException(2, 5, 0, DType.Float16, "decoder layer 2"))!;

        Assert.Equal(ExitCodes.CannotRun, mapped.ExitCode);
        Assert.Contains("65504", mapped.Message, StringComparison.Ordinal);
        Assert.Contains("OverflowPolicy.Throw", mapped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_runtimes_not_supported_is_exit_3_and_the_frameworks_is_a_bug()
    {
        using var tiny = TinyModelFactory.Create("llama");
        var unknown = ModelConfig.Parse(tiny.ConfigJson.Replace("\"llama\"", "\"mamba\"", StringComparison.Ordinal), "config.json");
        var ours = Catch(() => CausalLM.FromWeights(unknown, tiny.WeightSource, DType.Float32).Dispose());
        var framework = Catch(() => new ReadOnlySpanThrower().Throw());

        Assert.Equal(ExitCodes.CannotRun, FailureExitCodes.Map(ours)!.ExitCode);
        Assert.Contains("mamba", FailureExitCodes.Map(ours)!.Message, StringComparison.Ordinal);
        Assert.Null(FailureExitCodes.Map(framework));
    }

    [Fact]
    public void Libtorchs_allocation_failure_is_exit_3_out_of_memory()
    {
        var mapped = FailureExitCodes.Map(new ExternalException("[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: can't allocate memory: you tried to allocate 81604378624 bytes.\nException raised from ..."))!;

        Assert.Equal(ExitCodes.CannotRun, mapped.ExitCode);
        Assert.StartsWith("out of memory", mapped.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', mapped.Message);
    }

    [Fact]
    public void Cancelling_is_130()
    {
        Assert.Equal(ExitCodes.Cancelled, FailureExitCodes.Map(new OperationCanceledException())!.ExitCode);
        Assert.Equal(ExitCodes.Cancelled, FailureExitCodes.Map(new TaskCanceledException())!.ExitCode);
    }

    [Fact]
    public void A_wrapped_failure_maps_as_what_it_wraps()
    {
        var mapped = FailureExitCodes.Map(new AggregateException(new BadInputException("--file: x is a folder")))!;

        Assert.Equal(ExitCodes.BadInput, mapped.ExitCode);
    }

    [Theory]
    [InlineData(typeof(InvalidOperationException))]
    [InlineData(typeof(NullReferenceException))]
    [InlineData(typeof(ArgumentException))]
    [InlineData(typeof(KeyNotFoundException))]
    public void Anything_else_is_a_bug(Type type)
    {
        Assert.Null(FailureExitCodes.Map((Exception)Activator.CreateInstance(type, "boom")!));
    }

    [Fact]
    public void A_bug_is_one_line_naming_the_tracker_and_a_report_file_with_the_stack_trace()
    {
        var failure = Catch(() => throw new InvalidOperationException("Sequence contains no elements"));
        using var error = new StringWriter();

        var code = BugReport.Report(failure, ["run", "model", "--prompt", "hi"], error, verbose: false);

        Assert.Equal(ExitCodes.Failure, code);
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("a bug in precision", line, StringComparison.Ordinal);
        Assert.Contains(BugReport.IssueTracker, line, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", line.Replace("report it at", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var file = ReportFile(line);
        try
        {
            var details = File.ReadAllText(file);
            Assert.Contains("Sequence contains no elements", details, StringComparison.Ordinal);
            Assert.Contains("run model --prompt hi", details, StringComparison.Ordinal);
            Assert.Contains(nameof(A_bug_is_one_line_naming_the_tracker_and_a_report_file_with_the_stack_trace), details, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void With_verbose_the_details_follow_on_stderr()
    {
        var failure = Catch(() => throw new InvalidOperationException("boom"));
        using var error = new StringWriter();

        BugReport.Report(failure, ["doctor"], error, verbose: true);

        var text = error.ToString();
        Assert.Contains("details below", text, StringComparison.Ordinal);
        Assert.Contains(nameof(With_verbose_the_details_follow_on_stderr), text, StringComparison.Ordinal);
        var file = ReportFile(text);
        Assert.True(File.Exists(file), text);
        File.Delete(file);
    }

    private static string ReportFile(string text) => System.Text.RegularExpressions.Regex.Match(text, @"/\S*precision-bug-\S+\.log").Value;

    private static Exception Catch(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            return e;
        }

        throw new InvalidOperationException("expected a failure");
    }

    private sealed class ReadOnlySpanThrower
    {
        public void Throw() => ((ICollection<int>)Array.AsReadOnly(new[] { 1 })).Add(2);
    }
}
