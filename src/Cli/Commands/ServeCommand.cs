using System.CommandLine;
using System.Net;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Encoders;
using PrecisionAnalyzers.Runtime.Planning;
using PrecisionAnalyzers.Server;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>
/// <c>precision serve PATH</c>: an OpenAI-compatible HTTP server for a model folder (a decoder, a sentence encoder, or a
/// decoder plus <c>--embeddings</c>), with continuous batching. It listens first (<c>/health</c>), loads, then turns
/// <c>/ready</c>; Ctrl+C or SIGTERM stops taking requests, lets those in flight finish within the grace period, exits 0.
/// </summary>
internal static class ServeCommand
{
    public const string ApiKeyVariable = "PRECISION_API_KEY";

    public static Command Create(CliConsole console)
    {
        var path = new Argument<string>("path") { Description = "A model folder: a decoder (chat and completions) or a sentence-transformers encoder (embeddings)." };
        var host = new Option<string>("--host") { Description = "The address to bind (loopback unless you say otherwise; 0.0.0.0 for all interfaces).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "The port (0 takes a free one).", DefaultValueFactory = _ => 8080 };
        var apiKey = new Option<string?>("--api-key") { Description = $"Require 'Authorization: Bearer KEY' on every /v1 route (or set {ApiKeyVariable})." };
        var maxBatch = new Option<int>("--max-batch") { Description = "Sequences decoded together in one batched step.", DefaultValueFactory = _ => 8 };
        var maxQueue = new Option<int>("--max-queue") { Description = "Requests waiting beyond the batch; past it, 429 with Retry-After.", DefaultValueFactory = _ => 64 };
        var context = new Option<int?>("--context") { Description = "Tokens a request may use, prompt plus answer (default and maximum: the model's max_position_embeddings)." };
        var embeddings = new Option<string?>("--embeddings") { Description = "A sentence-transformers folder to serve /v1/embeddings beside the decoder." };
        var grace = new Option<int>("--grace-seconds") { Description = "On shutdown, how long requests in flight may take to finish before they are cancelled.", DefaultValueFactory = _ => 10 };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "The largest request body accepted.", DefaultValueFactory = _ => 1 << 20 };
        var dtype = CommonOptions.Dtype();
        var device = CommonOptions.Device();
        var quantize = CommonOptions.Quantize();
        var strict = CommonOptions.Strict();
        var command = new Command("serve", "Serve a model over the OpenAI HTTP API (chat, completions, embeddings) with continuous batching.")
        {
            path, host, port, apiKey, maxBatch, maxQueue, context, embeddings, grace, maxBody, dtype, device, quantize, strict,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new ServerOptions
            {
                Host = parse.GetRequiredValue(host),
                Port = parse.GetValue(port),
                ApiKey = parse.GetValue(apiKey) ?? NonEmpty(Environment.GetEnvironmentVariable(ApiKeyVariable)),
                MaxBatch = parse.GetValue(maxBatch),
                MaxQueue = parse.GetValue(maxQueue),
                Context = parse.GetValue(context),
                ShutdownGrace = TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(grace))),
                MaxRequestBodyBytes = parse.GetValue(maxBody),
            };
            var load = new LoadOptions
            {
                Dtype = CommonOptions.ParseDtype(parse.GetRequiredValue(dtype)),
                Device = CommonOptions.ValidateDevice(parse.GetRequiredValue(device)),
                Strict = parse.GetValue(strict),
                ContextLength = options.Context,
                Quantization = CommonOptions.ParseQuantization(parse.GetRequiredValue(quantize)),
            };
            return await Serve(console, parse.GetRequiredValue(path), parse.GetValue(embeddings), options, load, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    internal static async Task<int> Serve(CliConsole console, string path, string? embeddingsPath, ServerOptions options, LoadOptions load, CancellationToken cancellationToken)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new BadInputException(e.Message);
        }

        if (options.MaxRequestBodyBytes < 1024)
        {
            throw new BadInputException($"--max-body-bytes must be at least 1024, got {options.MaxRequestBodyBytes}.");
        }

        var config = ModelPaths.LoadConfig(path);
        var folder = ModelPaths.Folder(path);
        var pathIsEncoder = EncoderFamily.Find(config.ModelType) is not null;
        if (embeddingsPath is not null && (pathIsEncoder || !Directory.Exists(embeddingsPath)))
        {
            throw new BadInputException(pathIsEncoder ? "--embeddings is for a decoder PATH; PATH is already a sentence encoder." : $"--embeddings: {embeddingsPath} is not a folder.");
        }

        PrecisionServer server;
        try
        {
            server = PrecisionServer.Create(options);
        }
        catch (ArgumentException e)
        {
            throw new BadInputException(e.Message);
        }

        await using (server.ConfigureAwait(false))
        {
            try
            {
                await server.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new BadInputException($"cannot listen on {options.Host}:{options.Port}: {e.Message}");
            }

            console.Output.WriteLine($"precision serve: listening on {server.Address} (loading {Path.GetFileName(Path.GetFullPath(folder))})");
            if (options.ApiKey is null && !IsLoopback(options.Host))
            {
                console.Error.WriteLine($"warning: listening on {options.Host} without an API key: anyone who can reach this port can use the model. Set --api-key or {ApiKeyVariable}.");
            }

            CausalLM? model = null;
            SentenceEncoder? encoder = null;
            try
            {
                try
                {
                    if (pathIsEncoder)
                    {
                        encoder = SentenceEncoder.Load(folder, load, cancellationToken: cancellationToken);
                    }
                    else
                    {
                        model = CausalLM.Load(path, load, cancellationToken: cancellationToken);
                        if (embeddingsPath is not null)
                        {
                            encoder = SentenceEncoder.Load(embeddingsPath, load with { ContextLength = null }, cancellationToken: cancellationToken);
                        }
                    }
                }
                catch (PrecisionException e)
                {
                    console.Error.WriteLine("error: " + e.Message);
                    return ExitCodes.CannotRun;
                }
                catch (OperationCanceledException)
                {
                    return ExitCodes.Success;
                }

                var served = model is null ? null : ServedModel.Create(model, context: options.Context, cancellationToken: cancellationToken);
                server.Attach(served, encoder);
                foreach (var warning in (model?.LoadWarnings ?? []).Concat(encoder?.Warnings ?? []))
                {
                    console.Error.WriteLine($"warning {warning.Code}: {warning.Message}");
                }

                console.Output.WriteLine(served is not null
                    ? $"ready: {served.Id} in {served.Dtype} on {served.Model.Device}, context {served.Context}, batch {options.MaxBatch}, queue {options.MaxQueue}{(served.HasChatTemplate ? "" : "; no chat template: chat uses the plain template")}{(encoder is null ? "" : $"; embeddings from {Path.GetFileName(encoder.Folder)}")}"
                    : $"ready: embeddings from {Path.GetFileName(encoder!.Folder)} in {DtypeRules.Name(encoder.Dtype)} on {encoder.Device}");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }

                console.Output.WriteLine($"precision serve: stopping (in-flight requests have {options.ShutdownGrace.TotalSeconds:0} s)");
                await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
                console.Output.WriteLine("precision serve: stopped");
                return ExitCodes.Success;
            }
            finally
            {
                await server.DisposeAsync().ConfigureAwait(false);
                model?.Dispose();
                encoder?.Dispose();
            }
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
