using System.CommandLine;
using System.Globalization;
using PrecisionAnalyzers.Cli.Output;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Adapters;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Planning;
using PrecisionAnalyzers.Runtime.Tokenization;
using PrecisionAnalyzers.Runtime.Training;
using Spectre.Console;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>
/// <c>precision train PATH --data FILE</c>: LoRA fine-tuning over a frozen base in the planned dtype, with the generation
/// cache off, FP16 loss scaling, atomic PEFT checkpoints, resume and merge.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(CliConsole console)
    {
        var path = new Argument<string>("path") { Description = "The base model folder (config.json, safetensors weights, tokenizer) or its config.json." };
        var data = new Option<string>("--data") { Description = "Training text: one example per line, or JSONL with \"text\" or \"input_ids\".", Required = true };
        var dtype = CommonOptions.Dtype();
        var device = CommonOptions.Device();
        var rank = new Option<int?>("--lora-rank") { Description = "LoRA rank r (default 8)." };
        var alpha = new Option<double?>("--lora-alpha") { Description = "LoRA alpha; the update is scaled by alpha/r (default 16)." };
        var dropout = new Option<double?>("--lora-dropout") { Description = "Dropout on the adapters' input (default 0.05)." };
        var targets = new Option<string?>("--lora-targets") { Description = "attention (default), all-linear, or module names such as q_proj,v_proj." };
        var steps = new Option<int?>("--steps") { Description = "Optimizer steps in the whole run (default 100)." };
        var batchSize = new Option<int?>("--batch-size") { Description = "Examples per micro-batch (default 1)." };
        var accumulation = new Option<int?>("--grad-accum") { Description = "Micro-batches per optimizer step (default 1)." };
        var learningRate = new Option<double?>("--lr") { Description = "Peak learning rate (default 2e-4)." };
        var warmup = new Option<int?>("--warmup") { Description = "Warm-up steps (default 0)." };
        var maxLength = new Option<int?>("--max-length") { Description = "Longest example in tokens; longer ones are cut (default 256)." };
        var saveEvery = new Option<int?>("--save-every") { Description = "Write a checkpoint every N steps (default: only at the end)." };
        var seed = new Option<long?>("--seed") { Description = "Seed of the adapters' initialisation, data order and dropout (default 42)." };
        var output = new Option<string?>("--out") { Description = "Folder for checkpoint-N folders (default: ./NAME-lora, or the resumed run's folder)." };
        var resume = new Option<string?>("--resume") { Description = "Continue from a checkpoint-N folder, or the latest checkpoint in a folder." };
        var merge = new Option<string?>("--merge") { Description = "After training, write a full checkpoint with the adapters merged into this new folder." };
        var mergeDtype = new Option<string?>("--merge-dtype") { Description = "dtype of the merged checkpoint: float32, float16 or bfloat16 (default: the training dtype)." };
        mergeDtype.AcceptOnlyFromAmong("float32", "float16", "bfloat16");
        var json = CommonOptions.Json();

        var command = new Command("train", "LoRA fine-tuning in BF16, FP16 (loss-scaled) or FP32 with the generation cache off; PEFT checkpoints, resume, merge.")
        {
            path, data, dtype, device, rank, alpha, dropout, targets, steps, batchSize, accumulation, learningRate, warmup, maxLength, saveEvery, seed, output, resume, merge, mergeDtype, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var request = new TrainRequest(
                parse.GetRequiredValue(path),
                parse.GetRequiredValue(data),
                CommonOptions.ParseDtype(parse.GetRequiredValue(dtype)),
                CommonOptions.ValidateDevice(parse.GetRequiredValue(device)),
                new TrainOverrides(
                    parse.GetValue(rank), parse.GetValue(alpha), parse.GetValue(dropout), parse.GetValue(targets), parse.GetValue(steps), parse.GetValue(batchSize),
                    parse.GetValue(accumulation), parse.GetValue(learningRate), parse.GetValue(warmup), parse.GetValue(maxLength), parse.GetValue(saveEvery), parse.GetValue(seed)),
                parse.GetValue(output),
                parse.GetValue(resume),
                parse.GetValue(merge),
                parse.GetValue(mergeDtype) is { } merged ? CommonOptions.ParseDtype(merged) : null,
                parse.GetValue(json));
            return Task.FromResult(Run(console, request, cancellationToken));
        });
        return command;
    }

    internal static int Run(CliConsole console, TrainRequest request, CancellationToken cancellationToken)
    {
        var folder = ModelPaths.Folder(request.Path);
        ModelPaths.LoadConfig(request.Path);
        if (!Checkpoint.Exists(folder))
        {
            throw new BadInputException($"{folder} has no weights: it holds neither {Checkpoint.SingleFile} nor {Checkpoint.IndexFile}.");
        }

        var resumeFrom = request.Resume is null ? null : Bad(() => TrainingCheckpoint.Resolve(request.Resume));
        var saved = resumeFrom is null ? new TrainingOptions() : Bad(() => TrainingCheckpoint.ReadState(resumeFrom)).Options;
        var options = request.Overrides.Apply(saved, resumeFrom is not null);
        var outputFolder = Path.GetFullPath(request.Output ?? (resumeFrom is not null ? Path.GetDirectoryName(resumeFrom)! : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))) + "-lora"));
        if (request.Merge is not null && (File.Exists(request.Merge) || (Directory.Exists(request.Merge) && Directory.EnumerateFileSystemEntries(request.Merge).Any())))
        {
            throw new BadInputException($"--merge: {request.Merge} exists and is not empty; give a new folder.");
        }

        var tokenizer = LoadTokenizer(folder);
        var dataset = Bad(() => TextDataset.Load(request.Data, tokenizer, options.MaxLength, cancellationToken));
        CausalLM model;
        try
        {
            model = CausalLM.Load(request.Path, new LoadOptions { Dtype = request.Dtype, Device = request.Device }, cancellationToken: cancellationToken);
        }
        catch (PrecisionException e)
        {
            console.Error.WriteLine("error: " + e.Message);
            return ExitCodes.CannotRun;
        }

        using (model)
        {
            using var trainer = Bad(() => new LoraTrainer(model, options, resumeFrom: resumeFrom));
            if (!request.Json)
            {
                console.Human.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                    $"[grey]{Markup.Escape(model.Config.ModelType)}: {DtypeRules.Name(model.Dtype)} base on {model.Device}, LoRA r={options.Lora.Rank} on {Markup.Escape(string.Join(",", options.Lora.TargetModules))} ({trainer.Adapters.ParameterCount:N0} trainable parameters, FP32); {dataset.Examples.Count} examples, {dataset.TokenCount:N0} tokens[/]"));
                if (resumeFrom is not null)
                {
                    console.Human.MarkupLine($"[grey]resuming from {Markup.Escape(resumeFrom)} at step {trainer.Step}[/]");
                }

                foreach (var warning in trainer.Warnings)
                {
                    console.Human.MarkupLine($"[yellow]warning {warning.Code}[/]: {Markup.Escape(warning.Message)}");
                }
            }

            var shown = trainer.Warnings.ToArray();
            foreach (var stale in TrainingCheckpoint.RemoveStaleTemporaries(outputFolder))
            {
                console.Error.WriteLine($"removed {stale}, the temporary folder of an interrupted save");
            }

            TrainingResult result;
            try
            {
                result = Train(console, request, trainer, dataset, outputFolder, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                var last = TrainingCheckpoint.List(outputFolder).LastOrDefault();
                console.Error.WriteLine(last.Folder is null ? "cancelled before the first checkpoint" : $"cancelled; the last checkpoint is {last.Folder} (resume with --resume {last.Folder})");
                throw;
            }
            catch (PrecisionException e)
            {
                console.Error.WriteLine("error: " + e.Message);
                return ExitCodes.CannotRun;
            }
            catch (Exception e) when (e is IOException or DatasetException)
            {
                throw new BadInputException(e.Message, e);
            }

            string? merged = null;
            if (request.Merge is not null)
            {
                model.SaveMerged(request.Merge, request.MergeDtype ?? model.Dtype, cancellationToken);
                merged = Path.GetFullPath(request.Merge);
            }

            var warnings = result.Warnings.Select(WarningJson.From).ToArray();
            if (request.Json)
            {
                CliJson.Write(console.Output, new TrainJson(
                    Math.Round(result.InitialLoss, 5), Math.Round(result.FinalLoss, 5), result.Steps, DtypeRules.Name(result.Dtype), result.Checkpoint, warnings,
                    result.SkippedSteps, Math.Round(result.TokensPerSecond, 1), trainer.Adapters.ParameterCount, resumeFrom, merged));
            }
            else
            {
                foreach (var warning in result.Warnings.Except(shown))
                {
                    console.Human.MarkupLine($"[yellow]warning {warning.Code}[/]: {Markup.Escape(warning.Message)}");
                }

                console.Human.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                    $"loss {result.InitialLoss:F4} → {result.FinalLoss:F4} in {result.Steps} steps ({DtypeRules.Name(result.Dtype)}, {result.TokensPerSecond:F0} tok/s{(result.SkippedSteps > 0 ? $", {result.SkippedSteps} steps skipped for overflow" : "")})"));
                console.Human.MarkupLine($"checkpoint: {Markup.Escape(result.Checkpoint ?? "(none)")}");
                if (merged is not null)
                {
                    console.Human.MarkupLine($"merged: {Markup.Escape(merged)}");
                }
            }
        }

        return ExitCodes.Success;
    }

    private static TrainingResult Train(CliConsole console, TrainRequest request, LoraTrainer trainer, TextDataset dataset, string outputFolder, CancellationToken cancellationToken)
    {
        if (request.Json)
        {
            return trainer.Train(dataset, outputFolder, cancellationToken: cancellationToken);
        }

        if (!console.Human.Profile.Capabilities.Interactive)
        {
            var every = Math.Max(1, trainer.Options.Steps / 20);
            var lines = new InlineProgress<TrainingProgress>(p =>
            {
                if (p.Step % every == 0 || p.Step == p.TotalSteps || p.Checkpoint is not null)
                {
                    console.Output.WriteLine(Describe(p) + (p.Checkpoint is null ? "" : $"  saved {p.Checkpoint}"));
                }
            });
            return trainer.Train(dataset, outputFolder, lines, cancellationToken);
        }

        TrainingResult? result = null;
        console.Human.Progress().Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn()).Start(context =>
        {
            var task = context.AddTask("training", maxValue: trainer.Options.Steps);
            task.Value = trainer.Step;
            var bar = new InlineProgress<TrainingProgress>(p =>
            {
                task.Value = p.Step;
                task.Description = Markup.Escape(Describe(p));
            });
            result = trainer.Train(dataset, outputFolder, bar, cancellationToken);
        });
        return result!;
    }

    private static string Describe(TrainingProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"step {p.Step}/{p.TotalSteps}  loss {p.Loss:F4}  lr {p.LearningRate:G3}  {p.TokensPerSecond:F0} tok/s{(p.LossScale is { } scale ? $"  scale {scale:G4}" : "")}{(p.SkippedSteps > 0 ? $"  skipped {p.SkippedSteps}" : "")}");

    private static CheckpointTokenizer? LoadTokenizer(string folder)
    {
        if (!PromptTokenizer.Exists(folder))
        {
            return null;
        }

        try
        {
            return CheckpointTokenizer.Load(folder);
        }
        catch (TokenizerException e)
        {
            throw new BadInputException(e.Message, e);
        }
    }

    /// <summary>Runs <paramref name="action"/>, turning the runtime's input errors into bad input (exit 2).</summary>
    private static T Bad<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is DatasetException or AdapterFormatException or InvalidDataException or DirectoryNotFoundException or ArgumentException)
        {
            throw new BadInputException(e.Message, e);
        }
    }
}

/// <summary>The training settings given on the command line; each null keeps the default (or the resumed run's value).</summary>
internal sealed record TrainOverrides(
    int? Rank,
    double? Alpha,
    double? Dropout,
    string? Targets,
    int? Steps,
    int? BatchSize,
    int? GradientAccumulation,
    double? LearningRate,
    int? Warmup,
    int? MaxLength,
    int? SaveEvery,
    long? Seed)
{
    /// <summary>The flag of each <see cref="TrainingOptions"/> and <see cref="LoraOptions"/> property, for messages.</summary>
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        [nameof(TrainingOptions.Steps)] = "--steps",
        [nameof(TrainingOptions.BatchSize)] = "--batch-size",
        [nameof(TrainingOptions.GradientAccumulation)] = "--grad-accum",
        [nameof(TrainingOptions.LearningRate)] = "--lr",
        [nameof(TrainingOptions.WarmupSteps)] = "--warmup",
        [nameof(TrainingOptions.MaxLength)] = "--max-length",
        [nameof(TrainingOptions.SaveEvery)] = "--save-every",
        [nameof(LoraOptions.Rank)] = "--lora-rank",
        [nameof(LoraOptions.Alpha)] = "--lora-alpha",
        [nameof(LoraOptions.Dropout)] = "--lora-dropout",
        [nameof(LoraOptions.TargetModules)] = "--lora-targets",
    };

    /// <summary>The settings of a run: <paramref name="baseline"/> (defaults, or the resumed run's) with the flags given; bad input naming the flag.</summary>
    public TrainingOptions Apply(TrainingOptions baseline, bool resumed = false)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        Check();
        try
        {
            var lora = baseline.Lora with
            {
                Rank = Rank ?? baseline.Lora.Rank,
                Alpha = Alpha ?? baseline.Lora.Alpha,
                Dropout = Dropout ?? baseline.Lora.Dropout,
                TargetModules = Targets is null ? baseline.Lora.TargetModules : ParseTargets(Targets),
            };
            var options = baseline with
            {
                Lora = lora,
                Steps = Steps ?? baseline.Steps,
                BatchSize = BatchSize ?? baseline.BatchSize,
                GradientAccumulation = GradientAccumulation ?? baseline.GradientAccumulation,
                LearningRate = LearningRate ?? baseline.LearningRate,
                WarmupSteps = Warmup ?? baseline.WarmupSteps,
                MaxLength = MaxLength ?? baseline.MaxLength,
                SaveEvery = SaveEvery ?? baseline.SaveEvery,
                Seed = Seed ?? baseline.Seed,
            };
            options.Validate();
            return options;
        }
        catch (ArgumentException e)
        {
            // A value from a resumed checkpoint's state, or the targets' parser: named by its flag, not the property.
            var flag = e.ParamName is { } name && Flags.TryGetValue(name, out var known) ? known : "a training setting";
            var reason = e is ArgumentOutOfRangeException { ActualValue: { } actual }
                ? string.Create(CultureInfo.InvariantCulture, $"{actual} is out of range")
                : e.Message.Split(" (Parameter", 2)[0];
            throw new BadInputException($"{flag}: {reason}{(resumed ? " (the value may come from the resumed checkpoint)" : "")}.", e);
        }
    }

    /// <summary>Each flag given, checked with its own name and range.</summary>
    private void Check()
    {
        AtLeast("--steps", Steps, 1);
        AtLeast("--batch-size", BatchSize, 1);
        AtLeast("--grad-accum", GradientAccumulation, 1);
        AtLeast("--warmup", Warmup, 0);
        AtLeast("--max-length", MaxLength, 1);
        AtLeast("--lora-rank", Rank, 1);
        if (SaveEvery is < 1)
        {
            throw new BadInputException($"--save-every must be at least 1 (got {SaveEvery}); leave it out to save only at the end.");
        }

        Positive("--lr (the learning rate)", LearningRate);
        Positive("--lora-alpha", Alpha);
        if (Dropout is { } dropout && !(dropout >= 0 && dropout < 1))
        {
            throw new BadInputException($"--lora-dropout must be in [0, 1) (got {dropout.ToString(CultureInfo.InvariantCulture)}).");
        }
    }

    private static IReadOnlyList<string> ParseTargets(string text)
    {
        try
        {
            return LoraOptions.ParseTargets(text);
        }
        catch (ArgumentException e)
        {
            throw new BadInputException("--lora-targets: " + e.Message.Split(" (Parameter", 2)[0], e);
        }
    }

    private static void AtLeast(string flag, int? value, int minimum)
    {
        if (value < minimum)
        {
            throw new BadInputException($"{flag} must be at least {minimum} (got {value}).");
        }
    }

    private static void Positive(string flag, double? value)
    {
        if (value is { } v && !(v > 0 && double.IsFinite(v)))
        {
            throw new BadInputException($"{flag} must be a finite number above 0 (got {v.ToString(CultureInfo.InvariantCulture)}).");
        }
    }
}

/// <summary>The parsed arguments of <c>precision train</c>.</summary>
internal sealed record TrainRequest(
    string Path,
    string Data,
    DType? Dtype,
    string Device,
    TrainOverrides Overrides,
    string? Output,
    string? Resume,
    string? Merge,
    DType? MergeDtype,
    bool Json);
