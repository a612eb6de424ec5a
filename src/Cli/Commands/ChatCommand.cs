using System.CommandLine;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Chat;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Planning;
using Spectre.Console;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary><c>precision chat PATH</c>: an interactive conversation in the terminal with the model's chat template.</summary>
internal static class ChatCommand
{
    public static Command Create(CliConsole console)
    {
        var path = new Argument<string>("path") { Description = "A model folder with config.json, safetensors weights, a tokenizer and a chat template (tokenizer_config.json's chat_template or chat_template.jinja)." };
        var system = new Option<string?>("--system") { Description = "A system prompt to start with (/system TEXT changes it)." };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Tokens to generate at most in one answer.", DefaultValueFactory = _ => 512 };
        var temperature = new Option<double?>("--temperature") { Description = "0 for greedy decoding; default: generation_config.json's (greedy when it does not sample)." };
        var topP = new Option<double?>("--top-p") { Description = "Sample from the smallest set of tokens whose probability reaches p; default: generation_config.json's." };
        var topK = new Option<int?>("--top-k") { Description = "Sample from the k most likely tokens; default: generation_config.json's." };
        var seed = new Option<int?>("--seed") { Description = "Seed of the sampler (answers are reproducible with one)." };
        var dtype = CommonOptions.Dtype();
        var device = CommonOptions.Device();
        var quantize = CommonOptions.Quantize();
        var strict = CommonOptions.Strict();
        var variables = TemplateVariables.Option();
        var threads = CommonOptions.Threads();
        var overflow = CommonOptions.ContextOverflow("stop", "stop (an answer ends where the context is full; a conversation that leaves no room is refused, and /reset starts again)");

        var command = new Command("chat", "Chat with a model in the terminal: its chat template, streamed answers, history; /reset, /system TEXT, /exit; Ctrl+C stops an answer.")
        {
            path, system, maxNewTokens, overflow, temperature, topP, topK, seed, dtype, device, quantize, strict, variables, threads,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(console, new ChatRequest(
            parse.GetRequiredValue(path),
            parse.GetValue(system),
            parse.GetValue(maxNewTokens),
            parse.GetValue(temperature),
            parse.GetValue(topP),
            parse.GetValue(topK),
            parse.GetValue(seed),
            CommonOptions.ParseDtype(parse.GetRequiredValue(dtype)),
            CommonOptions.ValidateDevice(parse.GetRequiredValue(device)),
            parse.GetValue(strict),
            TemplateVariables.Parse(parse.GetValue(variables)),
            CommonOptions.ParseContextOverflow(parse.GetRequiredValue(overflow)),
            CommonOptions.ParseQuantization(parse.GetRequiredValue(quantize)),
            CommonOptions.ParseThreads(parse.GetValue(threads))), cancellationToken)));
        return command;
    }

    internal static int Run(CliConsole console, ChatRequest request, CancellationToken cancellationToken)
    {
        CommonOptions.ValidateGeneration(request.MaxNewTokens, request.Temperature, request.TopK, request.TopP);
        var folder = ModelPaths.Folder(request.Path);
        ModelPaths.LoadConfig(request.Path);
        var formatter = LoadFormatter(folder);
        if (!Checkpoint.Exists(folder))
        {
            throw new BadInputException($"{folder} has no weights: it holds neither {Checkpoint.SingleFile} nor {Checkpoint.IndexFile}.");
        }

        CausalLM model;
        try
        {
            model = CausalLM.Load(request.Path, new LoadOptions { Dtype = request.Dtype, Device = request.Device, Strict = request.Strict, Quantization = request.Quantization, Threads = request.Threads }, cancellationToken: cancellationToken);
        }
        catch (PrecisionException e)
        {
            console.Error.WriteLine("error: " + e.Message);
            return ExitCodes.CannotRun;
        }

        using (model)
        {
            model.ChatFormatter = formatter;
            console.Human.MarkupLine($"[grey]{Markup.Escape(model.Config.ModelType)} in {DtypeRules.Name(model.Dtype)}{(model.Quantization == WeightQuantization.None ? "" : $" ({PrecisionPlanner.Name(model.Quantization)} weights)")} on {model.Device}; chat template from {Markup.Escape(Path.GetFileName(formatter.Template.Source ?? "?"))}; {Markup.Escape(SamplingText(formatter, request))}[/]");
            foreach (var warning in model.LoadWarnings)
            {
                console.Human.MarkupLine($"[yellow]warning {warning.Code}[/]: {Markup.Escape(warning.Message)}");
            }

            console.Human.MarkupLine("[grey]/reset clears the conversation, /system TEXT sets the system prompt, /exit ends; Ctrl+C stops an answer.[/]");
            var options = new ChatOptions { MaxNewTokens = request.MaxNewTokens, Temperature = request.Temperature, TopP = request.TopP, TopK = request.TopK, Seed = request.Seed, TemplateVariables = request.Variables, ContextOverflow = request.ContextOverflow };
            return new ChatSession(console, model, options, request.System).Run(cancellationToken);
        }
    }

    /// <summary>The template, tokenizer and generation_config.json of <paramref name="folder"/>; bad input (exit 2) when the model cannot chat.</summary>
    internal static ChatFormatter LoadFormatter(string folder, PromptTokenizer? tokenizer = null)
    {
        if (!ChatTemplate.Exists(folder))
        {
            throw new BadInputException($"{folder} has no chat template: neither {ChatTemplate.TemplateFile} nor a chat_template in {ChatTemplate.ConfigFile}. Use 'precision run --prompt' for raw text.");
        }

        tokenizer ??= PromptTokenizer.Load(folder);
        return new ChatFormatter(ChatTemplate.Load(folder), tokenizer.Inner, GenerationDefaults.Load(folder));
    }

    private static string SamplingText(ChatFormatter formatter, ChatRequest request)
    {
        var options = formatter.GenerationOptions(new ChatOptions { Temperature = request.Temperature, TopP = request.TopP, TopK = request.TopK });
        return options.Temperature == 0
            ? "greedy decoding"
            : FormattableString.Invariant($"sampling at temperature {options.Temperature}{(options.TopP is { } p ? $", top-p {p}" : "")}{(options.TopK is { } k ? $", top-k {k}" : "")}");
    }
}
