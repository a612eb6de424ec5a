using System.CommandLine;
using System.Globalization;
using PrecisionAnalyzers.Cli.Output;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Chat;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Planning;
using Spectre.Console;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary><c>precision run PATH</c>: load a model as planned and generate, streaming tokens, then the speeds and peak memory.</summary>
internal static class RunCommand
{
    public static Command Create(CliConsole console)
    {
        var path = new Argument<string>("path") { Description = "A model folder (config.json, safetensors weights, tokenizer) or its config.json." };
        var prompt = new Option<string?>("--prompt") { Description = "The prompt text (needs a tokenizer in the model folder)." };
        var promptTokens = new Option<string?>("--prompt-tokens") { Description = "The prompt as token ids, e.g. 1,2,3 (no tokenizer needed)." };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Tokens to generate at most.", DefaultValueFactory = _ => 32 };
        var dtype = CommonOptions.Dtype();
        var device = CommonOptions.Device();
        var seed = new Option<int?>("--seed") { Description = "Seed of the sampler (sampling is reproducible with one)." };
        var temperature = new Option<double?>("--temperature") { Description = "0 for greedy decoding (the default; with --chat, generation_config.json's), above 0 to sample." };
        var topK = new Option<int?>("--top-k") { Description = "Sample from the k most likely tokens." };
        var topP = new Option<double?>("--top-p") { Description = "Sample from the smallest set of tokens whose probability reaches p." };
        var logits = new Option<string?>("--logits") { Description = "Write the logits of the last prompt position and of every generated step to this .npy file (float32, steps × vocabulary)." };
        var chat = new Option<bool>("--chat") { Description = "Apply the model's chat template to --prompt as the user's message; stop at its end-of-turn token; sampling defaults from generation_config.json." };
        var variables = TemplateVariables.Option();
        var overflow = CommonOptions.ContextOverflow("refuse", "refuse");
        var adapter = new Option<string?>("--adapter") { Description = "A PEFT LoRA adapter folder (e.g. a precision train checkpoint) to apply to the model." };
        var quantize = CommonOptions.Quantize();
        var strict = CommonOptions.Strict();
        var json = CommonOptions.Json();
        var threads = CommonOptions.Threads();

        var command = new Command("run", "Load a model in the planned dtype and generate, streaming tokens; then prefill and decode speed and peak memory.")
        {
            path, prompt, promptTokens, chat, variables, maxNewTokens, overflow, dtype, device, seed, temperature, topK, topP, logits, adapter, quantize, strict, json, threads,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var request = new RunRequest(
                parse.GetRequiredValue(path),
                parse.GetValue(prompt),
                parse.GetValue(promptTokens),
                parse.GetValue(maxNewTokens),
                CommonOptions.ParseDtype(parse.GetRequiredValue(dtype)),
                CommonOptions.ValidateDevice(parse.GetRequiredValue(device)),
                parse.GetValue(seed),
                parse.GetValue(temperature),
                parse.GetValue(topK),
                parse.GetValue(topP),
                parse.GetValue(logits),
                parse.GetValue(strict),
                parse.GetValue(adapter),
                parse.GetValue(json),
                parse.GetValue(chat),
                TemplateVariables.Parse(parse.GetValue(variables)),
                CommonOptions.ParseContextOverflow(parse.GetRequiredValue(overflow)),
                CommonOptions.ParseQuantization(parse.GetRequiredValue(quantize)),
                CommonOptions.ParseThreads(parse.GetValue(threads)));
            return Task.FromResult(Run(console, request, cancellationToken));
        });
        return command;
    }

    /// <summary>Runs <paramref name="request"/>; <paramref name="onResult"/> gets the result and its decoded text (null without a tokenizer).</summary>
    internal static int Run(CliConsole console, RunRequest request, CancellationToken cancellationToken, Action<GenerationResult, string?>? onResult = null)
    {
        Validate(request);
        var config = ModelPaths.LoadConfig(request.Path);
        var folder = ModelPaths.Folder(request.Path);
        var tokenizer = request.Prompt is null ? null : PromptTokenizer.Load(folder);
        var chat = request.Chat ? ChatCommand.LoadFormatter(folder, tokenizer) : null;
        IReadOnlyList<int> promptIds = request.Prompt is null ? ParseTokenIds(request.PromptTokens!, config.VocabSize)
            : chat is not null ? chat.Format([ChatMessage.User(request.Prompt)], variables: request.TemplateVariables, cancellationToken: cancellationToken).TokenIds
            : tokenizer!.Encode(request.Prompt);
        if (promptIds.Count == 0)
        {
            throw new BadInputException("The prompt encodes to no tokens.");
        }

        if (promptIds.Max() >= config.VocabSize)
        {
            throw new BadInputException($"The tokenizer gives id {promptIds.Max()}, past the model's vocabulary of {config.VocabSize}: tokenizer and model do not belong together.");
        }

        // Checked against the context before the weights are read: nothing is allocated for a length the model cannot take.
        var fitted = ContextCheck.Fit(config, promptIds, request.MaxNewTokens, request.ContextOverflow, out var truncation);

        if (!Checkpoint.Exists(folder))
        {
            throw new BadInputException($"{folder} has no weights: it holds neither {Checkpoint.SingleFile} nor {Checkpoint.IndexFile}.");
        }

        if (request.Adapter is not null && !Runtime.Adapters.PeftAdapterFormat.Exists(request.Adapter))
        {
            throw new BadInputException($"--adapter: {request.Adapter} is not a LoRA adapter folder (it needs {Runtime.Adapters.PeftAdapterFormat.ConfigFile} and {Runtime.Adapters.PeftAdapterFormat.WeightsFile}).");
        }

        var options = new LoadOptions { Dtype = request.Dtype, Device = request.Device, Strict = request.Strict, Adapter = request.Adapter, Quantization = request.Quantization, Threads = request.Threads };
        CausalLM model;
        try
        {
            model = Load(console, request, options, cancellationToken);
        }
        catch (PrecisionException e)
        {
            console.Error.WriteLine("error: " + e.Message);
            return ExitCodes.CannotRun;
        }

        using (model)
        {
            var generation = chat is not null
                ? chat.GenerationOptions(new ChatOptions { MaxNewTokens = request.MaxNewTokens, Temperature = request.Temperature, TopK = request.TopK, TopP = request.TopP, Seed = request.Seed })
                    with { CaptureLogits = request.LogitsFile is not null }
                : new GenerationOptions
                {
                    MaxNewTokens = request.MaxNewTokens,
                    Temperature = request.Temperature ?? 0,
                    TopK = request.TopK,
                    TopP = request.TopP,
                    Seed = request.Seed,
                    StopTokenIds = tokenizer?.StopTokenIds ?? [],
                    CaptureLogits = request.LogitsFile is not null,
                };
            generation = generation with { ContextOverflow = request.ContextOverflow };

            // A prompt cut to fit (--context-overflow truncate) keeps its end; PREC109 says so, with the lengths.
            var truncations = truncation is null ? Array.Empty<InputTruncation>() : [truncation];
            var truncationWarnings = truncations.Select(t => t.ToWarning("the prompt")).ToArray();

            if (!request.Json)
            {
                console.Human.MarkupLine($"[grey]{Markup.Escape(model.Config.ModelType)} in {DtypeRules.Name(model.Dtype)}{(model.Quantization == WeightQuantization.None ? "" : $" ({PrecisionPlanner.Name(model.Quantization)} weights)")} on {model.Device}; prompt of {fitted.Count} tokens{(chat is null ? string.Empty : " (chat template applied)")}[/]");
                foreach (var warning in model.LoadWarnings.Concat(truncationWarnings))
                {
                    console.Human.MarkupLine($"[yellow]warning {warning.Code}[/]: {Markup.Escape(warning.Message)}");
                }
            }

            var streamed = 0;
            var result = model.Generate(fitted, generation, token =>
            {
                if (request.Json)
                {
                    return;
                }

                if (token.Index == 0 && streamed > 0)
                {
                    console.Output.WriteLine();
                    console.Human.MarkupLine($"[yellow]non-finite activations: running again in {DtypeRules.Name(token.Dtype)}[/]");
                    tokenizer?.Restart();
                }

                streamed++;
                console.Output.Write(tokenizer is null ? token.TokenId.ToString(CultureInfo.InvariantCulture) + " " : tokenizer.DecodeNext(token.TokenId));
                console.Output.Flush();
            }, cancellationToken);

            onResult?.Invoke(result, tokenizer?.Decode(result.Tokens));
            if (request.LogitsFile is not null && result.Logits is not null)
            {
                OutputFile.Write(request.LogitsFile, "--logits", () => NpyWriter.Write(request.LogitsFile, result.Logits));
            }

            var warnings = model.LoadWarnings.Concat(truncationWarnings).Concat(result.Warnings).Select(WarningJson.From).ToArray();
            var peak = ProcessMemory.PeakResidentBytes();
            if (request.Json)
            {
                CliJson.Write(console.Output, new RunJson(
                    result.PromptTokens,
                    result.Tokens,
                    tokenizer?.Decode(result.Tokens),
                    DtypeRules.Name(result.Dtype),
                    model.Device,
                    warnings,
                    Math.Round(result.PrefillTokensPerSecond, 2),
                    Math.Round(result.DecodeTokensPerSecond, 2),
                    peak,
                    result.StopReason switch { StopReason.StopToken => "stopToken", StopReason.ContextLimit => "contextLimit", _ => "maxNewTokens" },
                    truncations.Select(TruncationJson.From).ToArray()));
            }
            else
            {
                console.Output.WriteLine(tokenizer?.Flush() ?? string.Empty);
                foreach (var warning in result.Warnings)
                {
                    console.Human.MarkupLine($"[yellow]warning {warning.Code}[/]: {Markup.Escape(warning.Message)}");
                }

                console.Human.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                    $"[grey]{result.Tokens.Count} tokens in {DtypeRules.Name(result.Dtype)}: prefill {result.PrefillTokensPerSecond:F0} tok/s, decode {result.DecodeTokensPerSecond:F1} tok/s, peak memory {PrecisionPlanner.Bytes(peak)}[/]"));
            }
        }

        return ExitCodes.Success;
    }

    private static CausalLM Load(CliConsole console, RunRequest request, LoadOptions options, CancellationToken cancellationToken)
    {
        if (request.Json || !console.Human.Profile.Capabilities.Interactive)
        {
            return CausalLM.Load(request.Path, options, cancellationToken: cancellationToken);
        }

        CausalLM? model = null;
        console.Human.Progress().Start(context =>
        {
            var task = context.AddTask("loading weights");
            var progress = new InlineProgress<CheckpointProgress>(p =>
            {
                task.MaxValue = Math.Max(1, p.TotalBytes);
                task.Value = p.BytesRead;
            });
            model = CausalLM.Load(request.Path, options, progress: progress, cancellationToken: cancellationToken);
            task.Value = task.MaxValue;
        });
        return model!;
    }

    private static void Validate(RunRequest request)
    {
        if ((request.Prompt is null) == (request.PromptTokens is null))
        {
            throw new BadInputException("Give exactly one of --prompt TEXT or --prompt-tokens 1,2,3.");
        }

        CommonOptions.ValidateGeneration(request.MaxNewTokens, request.Temperature, request.TopK, request.TopP);

        if (request.TemplateVariables is not null && !request.Chat)
        {
            throw new BadInputException("--var sets chat-template variables: it needs --chat.");
        }

        if (request.Chat && request.Prompt is null)
        {
            throw new BadInputException("--chat needs the user's message as --prompt TEXT (the template renders text, not token ids).");
        }

        if (request.LogitsFile is not null)
        {
            OutputFile.CheckWritable(request.LogitsFile, "--logits");
        }
    }

    private static int[] ParseTokenIds(string text, long vocabulary)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new BadInputException("--prompt-tokens needs at least one token id, e.g. 1,2,3.");
        }

        return parts.Select(part => int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id < vocabulary
            ? id
            : throw new BadInputException($"--prompt-tokens: '{part}' is not a token id of this model (0 to {vocabulary - 1}).")).ToArray();
    }
}

/// <summary>The parsed arguments of <c>precision run</c>.</summary>
internal sealed record RunRequest(
    string Path,
    string? Prompt,
    string? PromptTokens,
    int MaxNewTokens,
    DType? Dtype,
    string Device,
    int? Seed,
    double? Temperature,
    int? TopK,
    double? TopP,
    string? LogitsFile,
    bool Strict,
    string? Adapter,
    bool Json,
    bool Chat = false,
    IReadOnlyDictionary<string, object?>? TemplateVariables = null,
    ContextOverflow ContextOverflow = ContextOverflow.Refuse,
    WeightQuantization Quantization = WeightQuantization.None,

    int? Threads = null);
