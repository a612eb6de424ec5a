using System.CommandLine;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Encoders;
using PrecisionAnalyzers.Runtime.Hardware;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Planning;
using Spectre.Console;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>
/// <c>precision demo</c>: with <c>--out</c>, writes a tiny model in the real on-disk format; with no arguments, builds the
/// built-in tiny model in a temporary folder and shows doctor, plan and a short generation on it, then the overflow guard.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The built-in model: a tiny Gemma 3, the family behind failures 2 and 3.</summary>
    public const string BuiltInFamily = "gemma3_text";

    /// <summary>The vocabulary of demo models, which come with a byte-level BPE tokenizer of this size.</summary>
    private const int DemoVocabulary = 512;

    /// <summary>The sentence-encoder families <c>--out</c> can write (a sentence-transformers folder).</summary>
    private static readonly string[] EncoderFamilies = ["bert", "roberta", "xlm-roberta"];

    public static Command Create(CliConsole console)
    {
        var output = new Option<string?>("--out") { Description = "Write a tiny model (config.json, model.safetensors) to this new or empty folder, and stop." };
        var family = new Option<string>("--family")
        {
            Description = "The tiny model's family: " + string.Join(", ", TinyModelFactory.Families.Concat(EncoderFamilies)) + " (the last three are sentence encoders).",
            DefaultValueFactory = _ => BuiltInFamily,
        }.AcceptOnlyFromAmong([.. TinyModelFactory.Families, .. EncoderFamilies]);
        var overflow = new Option<bool>("--fp16-overflow") { Description = "Scale weights so some hidden states exceed FP16's range (65504) while staying finite in BF16 and FP32." };

        var command = new Command("demo", "Build a tiny model and show doctor, plan and a generation on it; or, with --out, write one.") { output, family, overflow };
        command.SetAction((parse, cancellationToken) =>
        {
            var folder = parse.GetValue(output);
            var options = new TinyModelOptions { Fp16Overflow = parse.GetValue(overflow), Dtype = DType.BFloat16, VocabSize = DemoVocabulary };
            return Task.FromResult(folder is null
                ? Tour(console, parse.GetRequiredValue(family), cancellationToken)
                : WriteModel(console, folder, parse.GetRequiredValue(family), options, cancellationToken));
        });
        return command;
    }

    private static int WriteModel(CliConsole console, string folder, string family, TinyModelOptions options, CancellationToken cancellationToken)
    {
        try
        {
            if (EncoderFamilies.Contains(family))
            {
                AtomicFolder.Write(folder, temporary => TinyEncoderFactory.WriteFolder(temporary, new TinyEncoderOptions { Family = family, Normalize = true }, cancellationToken));
                console.Human.MarkupLine($"Wrote a tiny {Markup.Escape(family)} sentence encoder (sentence-transformers layout, random weights with a fixed seed) to {Markup.Escape(Path.GetFullPath(folder))}");
                return ExitCodes.Success;
            }

            TinyCheckpointWriter.Write(folder, family, options, writeTokenizer: true, cancellationToken: cancellationToken);
        }
        catch (IOException e)
        {
            throw new BadInputException(e.Message, e);
        }

        var config = ModelConfig.Load(folder);
        console.Human.MarkupLine($"Wrote a tiny {Markup.Escape(family)} model ({ParameterCounter.Count(config).Total:N0} parameters, {config.DeclaredDtypeName} weights, random with a fixed seed{(options.Fp16Overflow ? ", FP16-overflowing" : "")}) to {Markup.Escape(Path.GetFullPath(folder))}");
        return ExitCodes.Success;
    }

    private static int Tour(CliConsole console, string family, CancellationToken cancellationToken)
    {
        var human = console.Human;
        var root = Directory.CreateTempSubdirectory("precision-demo-").FullName;
        try
        {
            var model = Path.Combine(root, family);
            var overflowing = Path.Combine(root, family + "-fp16-overflow");
            TinyCheckpointWriter.Write(model, family, new TinyModelOptions { Dtype = DType.BFloat16, VocabSize = DemoVocabulary }, writeTokenizer: true, cancellationToken: cancellationToken);
            TinyCheckpointWriter.Write(overflowing, family, new TinyModelOptions { Dtype = DType.BFloat16, Fp16Overflow = true, VocabSize = DemoVocabulary }, writeTokenizer: true, cancellationToken: cancellationToken);
            human.Write(new Rule("[bold]precision demo[/]").LeftJustified());
            human.MarkupLine($"A tiny {Markup.Escape(family)} model with random weights (fixed seed) in the real on-disk format: {Markup.Escape(model)}");
            human.MarkupLine("[grey]With random weights its text is noise; what matters is the dtype it runs in, and why.[/]");

            human.Write(new Rule("[bold]1. precision doctor[/]").LeftJustified());
            DoctorCommand.Render(human, DoctorCommand.Diagnose());

            human.Write(new Rule("[bold]2. precision plan[/]").LeftJustified());
            var config = ModelConfig.Load(model);
            var local = HardwareSelection.Resolve("local");
            PlanCommand.Render(human, new PrecisionPlanner(new MatmulDtypeProbe()).Plan(config, local.Devices, new PlanRequest()), "local");
            human.MarkupLine("The same model planned for other machines ([grey]precision plan PATH --hardware NAME[/]):");
            human.Write(PlanAcrossProfiles(config));

            human.Write(new Rule("[bold]3. precision run (dtype auto)[/]").LeftJustified());
            var code = RunCommand.Run(console, new RunRequest(model, "Numbers fail quietly in", null, 12, DType.Auto, "auto", null, 0, null, null, null, false, null, false), cancellationToken);
            if (code != ExitCodes.Success)
            {
                return code;
            }

            human.Write(new Rule("[bold]4. FP16 on a model whose activations overflow it[/]").LeftJustified());
            human.MarkupLine("The same family with one hidden channel near 2·10⁵, past FP16's 65504 (as real Gemma models have), run in float16:");
            return RunCommand.Run(console, new RunRequest(overflowing, "Numbers fail quietly in", null, 6, DType.Float16, "cpu", null, 0, null, null, null, false, null, false), cancellationToken);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static Table PlanAcrossProfiles(ModelConfig config)
    {
        var table = new Table().AddColumn("hardware").AddColumn("dtype").AddColumn("device").AddColumn("warnings");
        foreach (var profile in HardwareProfiles.Named)
        {
            var plan = new PrecisionPlanner().Plan(config, PlanDevices.From(profile, isLocal: false), new PlanRequest());
            table.AddRow(
                profile.Name,
                plan.Dtype is { } dtype ? DtypeRules.Name(dtype) : "-",
                plan.Device ?? "none",
                string.Join(", ", plan.Warnings.Select(w => w.Code).Distinct()));
        }

        return table;
    }
}
