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
/// <c>precision demo</c>: with <c>--out</c>, writes a tiny model in the real on-disk format; with no arguments, shows doctor,
/// plan and a greedy generation on the real model the CLI ships (llama2.c's stories260K), checked against the story llama2.c
/// publishes, then the overflow guard on a tiny model built to overflow FP16.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The default family of <c>--out</c> and of the demo's overflowing model: a tiny Gemma 3, the family behind failures 2 and 3.</summary>
    public const string BuiltInFamily = "gemma3_text";

    /// <summary>The vocabulary of demo models, which come with a byte-level BPE tokenizer of this size.</summary>
    private const int DemoVocabulary = 512;

    /// <summary>Where the CLI ships the demo's real model, llama2.c's stories260K (the build and the tool package copy it there).</summary>
    public static string ShippedModelFolder { get; } = Path.Combine(AppContext.BaseDirectory, "models", "stories260K");

    /// <summary>Tokens the demo generates: the published story's first paragraph ("… but it was too high.").</summary>
    public const int StoryTokens = 57;

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

        var command = new Command("demo", "Show doctor, plan and a generation on a real tiny model (stories260K), then the FP16 overflow guard; or, with --out, write a tiny model.") { output, family, overflow };
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
        var model = ShippedModelFolder;
        if (!File.Exists(Path.Combine(model, "config.json")))
        {
            throw new BadInputException($"The demo's model is missing from {model}: reinstall the tool or rebuild src/Cli.");
        }

        var known = PublishedStory.Load(model);
        var root = Directory.CreateTempSubdirectory("precision-demo-").FullName;
        try
        {
            var overflowing = Path.Combine(root, family + "-fp16-overflow");
            TinyCheckpointWriter.Write(overflowing, family, new TinyModelOptions { Dtype = DType.BFloat16, Fp16Overflow = true, VocabSize = DemoVocabulary }, writeTokenizer: true, cancellationToken: cancellationToken);
            human.Write(new Rule("[bold]precision demo[/]").LeftJustified());
            human.MarkupLine($"stories260K: a real pretrained Llama (260K parameters, trained on TinyStories) from Andrej Karpathy's llama2.c (MIT), shipped with this tool: {Markup.Escape(model)}");

            human.Write(new Rule("[bold]1. precision doctor[/]").LeftJustified());
            DoctorCommand.Render(human, DoctorCommand.Diagnose());

            human.Write(new Rule("[bold]2. precision plan[/]").LeftJustified());
            var config = ModelConfig.Load(model);
            var local = HardwareSelection.Resolve("local");
            PlanCommand.Render(human, new PrecisionPlanner(new MatmulDtypeProbe()).Plan(config, local.Devices, new PlanRequest()), "local");
            human.MarkupLine("The same model planned for other machines ([grey]precision plan PATH --hardware NAME[/]):");
            human.Write(PlanAcrossProfiles(config));

            human.Write(new Rule("[bold]3. precision run (dtype auto, greedy)[/]").LeftJustified());
            human.MarkupLine($"Prompt: {Markup.Escape(known.Prompt)}");
            string? story = null;
            var code = RunCommand.Run(console, new RunRequest(model, known.Prompt, null, StoryTokens, DType.Auto, "auto", null, 0, null, null, null, false, null, false), cancellationToken,
                (_, text) => story = text);
            if (code != ExitCodes.Success)
            {
                return code;
            }

            human.MarkupLine(story is not null && story.Length > 0 && known.Continuation.StartsWith(story, StringComparison.Ordinal)
                ? $"[green]Identical to the greedy story llama2.c publishes for this model[/] (doc/stories260K.md), its first {StoryTokens} tokens."
                : $"[yellow]This differs from the greedy story llama2.c publishes for this model[/] after {CommonPrefix(story ?? string.Empty, known.Continuation)} characters: {Markup.Escape(known.Continuation[..Math.Min(known.Continuation.Length, 120)])}…");

            human.Write(new Rule("[bold]4. FP16 on a model whose activations overflow it[/]").LeftJustified());
            human.MarkupLine($"A tiny {Markup.Escape(family)} (random weights, fixed seed) with one hidden channel near 2·10⁵, past FP16's 65504 (as real Gemma models have), run in float16; its text is noise, the dtype is what matters:");
            return RunCommand.Run(console, new RunRequest(overflowing, "Numbers fail quietly in", null, 6, DType.Float16, "cpu", null, 0, null, null, null, false, null, false), cancellationToken);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static int CommonPrefix(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n])
        {
            n++;
        }

        return n;
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
