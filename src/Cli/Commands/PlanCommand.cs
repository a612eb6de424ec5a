using System.CommandLine;
using System.Globalization;
using PrecisionAnalyzers.Cli.Output;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Planning;
using Spectre.Console;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary><c>precision plan PATH</c>: the dtype and device a model would get, with the reasons, without loading weights.</summary>
internal static class PlanCommand
{
    public static Command Create(CliConsole console)
    {
        var path = new Argument<string>("path") { Description = "A model folder (holding config.json) or its config.json." };
        var dtype = CommonOptions.Dtype();
        var device = CommonOptions.Device();
        var hardware = CommonOptions.Hardware();
        var context = new Option<long?>("--context") { Description = "Tokens of key/value cache to budget for (default: min(4096, the model's maximum))." };
        var mode = new Option<string>("--mode") { Description = "inference, training (full fine-tuning) or lora (LoRA fine-tuning).", DefaultValueFactory = _ => "inference" }.AcceptOnlyFromAmong("inference", "training", "lora");
        var loraRank = new Option<int>("--lora-rank") { Description = "With --mode lora: the adapters' rank.", DefaultValueFactory = _ => 8 };
        var loraTargets = new Option<string>("--lora-targets") { Description = "With --mode lora: attention, all-linear, or module names such as q_proj,v_proj.", DefaultValueFactory = _ => "attention" };
        var quantize = CommonOptions.Quantize();
        var strict = CommonOptions.Strict();
        var json = CommonOptions.Json();
        var export = new Option<string?>("--export") { Description = "vllm: print the vllm serve command for --hardware (dtype, tensor/pipeline parallel sizes, max model length, quantization), each flag with its reason." }.AcceptOnlyFromAmong("vllm");

        var command = new Command("plan", "Plan the dtype and device for a model, with the reasons. Weights are not needed.")
        {
            path, dtype, device, hardware, context, mode, loraRank, loraTargets, quantize, strict, json, export,
        };
        command.SetAction(parse =>
        {
            var contextLength = parse.GetValue(context);
            if (contextLength is < 0)
            {
                throw new BadInputException($"--context must be zero or more (got {contextLength}).");
            }

            var modelPath = parse.GetRequiredValue(path);
            var config = ModelPaths.LoadConfig(modelPath);
            if (contextLength is { } tokens && tokens > MaxContext(config))
            {
                throw new BadInputException($"--context {tokens} is more than the {MaxContext(config)} tokens a plan can budget for this model ({(Runtime.Models.ContextWindow.Limit(config) is null ? "the largest context planned for a model that declares none" : "its context, " + Runtime.Models.ContextWindow.Source(config))}).");
            }

            var target = HardwareSelection.Resolve(parse.GetRequiredValue(hardware));
            if (parse.GetValue(export) is "vllm")
            {
                var requested = CommonOptions.ParseDtype(parse.GetRequiredValue(dtype));
                var vllm = VllmExporter.Plan(config, target.Profile, modelPath, requested, ModelPaths.WeightsDtype(modelPath), contextLength);
                if (parse.GetValue(json))
                {
                    CliJson.Write(console.Output, new
                    {
                        vllmVersion = VllmPlan.VllmVersion,
                        hardware = target.Name,
                        canServe = vllm.CanServe,
                        error = vllm.Error,
                        flags = vllm.Flags.Select(f => new { name = f.Name, value = f.Value, reason = f.Reason }),
                        notes = vllm.Notes,
                        before = vllm.Before,
                        script = vllm.ToScript(),
                    });
                }
                else
                {
                    console.Output.Write(vllm.ToScript());
                }

                return vllm.CanServe ? ExitCodes.Success : ExitCodes.CannotRun;
            }

            var request = new PlanRequest(
                Dtype: CommonOptions.ParseDtype(parse.GetRequiredValue(dtype)),
                Device: CommonOptions.ValidateDevice(parse.GetRequiredValue(device)),
                ContextLength: contextLength,
                Mode: parse.GetRequiredValue(mode) switch { "training" => PlanMode.Training, "lora" => PlanMode.LoraTraining, _ => PlanMode.Inference },
                Strict: parse.GetValue(strict),
                WeightsDtype: ModelPaths.WeightsDtype(modelPath),
                LoraRank: parse.GetValue(loraRank) is var rank and >= 1 ? rank : throw new BadInputException($"--lora-rank must be at least 1 (got {parse.GetValue(loraRank)})."),
                LoraTargets: ParseTargets(parse.GetRequiredValue(loraTargets)),
                Quantization: CommonOptions.ParseQuantization(parse.GetRequiredValue(quantize)));
            var plan = new PrecisionPlanner(target.IsLocal ? new MatmulDtypeProbe() : null).Plan(config, target.Devices, request);

            if (parse.GetValue(json))
            {
                CliJson.Write(console.Output, PlanJson.From(plan, target.Name));
            }
            else
            {
                Render(console.Human, plan, target.Name);
            }

            return plan.CanRun ? ExitCodes.Success : ExitCodes.CannotRun;
        });
        return command;
    }

    /// <summary>The largest <c>--context</c>: the model's own context, or 2^31 − 1 tokens when its config declares none.</summary>
    private static long MaxContext(ModelConfig config) => Runtime.Models.ContextWindow.Limit(config) ?? int.MaxValue;

    internal static void Render(IAnsiConsole human, PrecisionPlan plan, string hardware)
    {
        var verdict = plan.CanRun
            ? $"[green]{(plan.Quantization == Runtime.WeightQuantization.None ? "" : $"{PrecisionPlanner.Name(plan.Quantization)} weights, ")}{DtypeRules.Name(plan.Dtype!.Value)}{(plan.Quantization == Runtime.WeightQuantization.None ? "" : " compute")} on {plan.Device}[/]"
            : "[red]cannot run on this hardware[/]";
        human.MarkupLine($"[bold]{Markup.Escape(plan.ModelType)}[/], {plan.Parameters.ToString("N0", CultureInfo.InvariantCulture)} parameters, for [bold]{Markup.Escape(hardware)}[/]: {verdict}");

        var table = new Table().AddColumn("dtype").AddColumn(new TableColumn("weights").RightAligned());
        foreach (var (name, bytes) in new[] { ("float32", plan.WeightBytes[Runtime.DType.Float32]), ("float16", plan.WeightBytes[Runtime.DType.Float16]), ("bfloat16", plan.WeightBytes[Runtime.DType.BFloat16]) })
        {
            table.AddRow(name, PrecisionPlanner.Bytes(bytes));
        }

        var rest = DtypeRules.Name(plan.Dtype ?? Runtime.DType.Float32);
        var parts = plan.QuantizeLmHead ? "projections and LM head" : "projections";
        // A plan that never got to sizes (an unsupported model, sizes past 64 bits) has no quantized estimates.
        foreach (var format in new[] { Runtime.WeightQuantization.Int8, Runtime.WeightQuantization.Int4 }.Where(plan.QuantizedWeightBytes.ContainsKey))
        {
            table.AddRow($"{PrecisionPlanner.Name(format)} {parts}, rest {rest}", PrecisionPlanner.Bytes(plan.QuantizedWeightBytes[format]));
        }

        human.Write(table);
        human.MarkupLine("[bold]Why:[/]");
        foreach (var reason in plan.Reasons)
        {
            human.MarkupLine("  - " + Markup.Escape(reason));
        }

        foreach (var warning in plan.Warnings)
        {
            human.MarkupLine($"[yellow]warning {warning.Code}[/]: {Markup.Escape(warning.Message)}");
        }
    }

    private static IReadOnlyList<string> ParseTargets(string text)
    {
        try
        {
            return Runtime.Adapters.LoraOptions.ParseTargets(text);
        }
        catch (ArgumentException e)
        {
            throw new BadInputException(e.Message, e);
        }
    }
}
