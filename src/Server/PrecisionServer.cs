using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PrecisionAnalyzers.Runtime;

namespace PrecisionAnalyzers.Server;

/// <summary>
/// <c>precision serve</c>: an OpenAI-compatible HTTP server on Kestrel (minimal APIs). It listens before the model is
/// loaded (<c>/health</c> answers, <c>/ready</c> says 503) and serves once <see cref="Attach"/> hands it the models.
/// Routes: <c>POST /v1/chat/completions</c>, <c>POST /v1/completions</c>, <c>POST /v1/embeddings</c>, <c>GET /v1/models</c>,
/// <c>GET /health</c>, <c>GET /ready</c>, <c>GET /metrics</c>. No route reads a file a client names.
/// </summary>
public sealed class PrecisionServer : IAsyncDisposable
{
    private readonly ServerOptions _options;
    private readonly WebApplication _app;
    private readonly ApiKeyCheck? _apiKey;
    private readonly ILogger _logger;
    private volatile Served? _served;
    private bool _disposed;

    private PrecisionServer(ServerOptions options, WebApplication app, ILogger logger)
    {
        _options = options;
        _app = app;
        _logger = logger;
        _apiKey = options.ApiKey is { } key ? new ApiKeyCheck(key) : null;
        Map();
    }

    public ServerMetrics Metrics { get; } = new();

    public ServerOptions Options => _options;

    /// <summary>Where the server listens (after <see cref="StartAsync"/>), e.g. <c>http://127.0.0.1:8080</c>.</summary>
    public Uri Address => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Whether models are attached and requests are taken.</summary>
    public bool IsReady => _served is { } served && served.Scheduler?.Accepting != false;

    /// <summary>Builds the server; nothing listens until <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range, or the host is not an IP address or <c>localhost</c>.</exception>
    public static PrecisionServer Create(ServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var address = ListenAddress(options.Host);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(PrecisionServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownGrace);
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Listen(address, options.Port);
        });
        var app = builder.Build();
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("PrecisionAnalyzers.Server");
        return new PrecisionServer(options, app, logger);
    }

    private static IPAddress ListenAddress(string host) => host.Trim().ToLowerInvariant() switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "0.0.0.0" => IPAddress.Any,
        "::" or "[::]" => IPAddress.IPv6Any,
        var text when IPAddress.TryParse(text.Trim('[', ']'), out var parsed) => parsed,
        _ => throw new ArgumentException($"--host must be an IP address (127.0.0.1, ::1, 0.0.0.0) or localhost, got '{host}'.", nameof(host)),
    };

    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    /// <summary>
    /// Hands the server its models: generation routes need <paramref name="model"/>, <c>/v1/embeddings</c> needs
    /// <paramref name="encoder"/> (either may be null, not both). The server owns neither.
    /// </summary>
    public void Attach(ServedModel? model, SentenceEncoder? encoder = null, string? encoderId = null)
    {
        if (model is null && encoder is null)
        {
            throw new ArgumentException("serve needs a language model, a sentence encoder, or both.");
        }

        var scheduler = model is null ? null : new GenerationScheduler(model.Model, _options.MaxBatch, _options.MaxQueue, Metrics, _logger);
        var embeddings = encoder is null ? null : new EmbeddingEndpoint(encoder, encoderId ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(encoder.Folder ?? "encoder")));
        Metrics.Serving = model is not null
            ? (model.Id, model.Dtype, model.Model.Device)
            : (embeddings!.Id, Runtime.Planning.DtypeRules.Name(encoder!.Dtype), encoder.Device);
        _served = new Served(model, scheduler, model is null ? null : new GenerationEndpoint(model, scheduler!, Metrics, _options), embeddings);
    }

    /// <summary>
    /// Graceful stop: new requests are refused (503), <c>/ready</c> turns 503, requests in flight may finish within the
    /// grace period; then the rest are cancelled and their caches freed.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        _served?.Scheduler?.StopAccepting();
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(_options.ShutdownGrace);
        try
        {
            await _app.StopAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _served?.Scheduler?.Dispose();
    }

    private void Map()
    {
        _app.Use(async (http, next) =>
        {
            try
            {
                if (_apiKey is not null && http.Request.Path.StartsWithSegments("/v1") && !_apiKey.Allows(http.Request.Headers.Authorization))
                {
                    throw new ApiException(HttpStatusCode.Unauthorized, "Incorrect or missing API key: send 'Authorization: Bearer <key>'.", code: "invalid_api_key");
                }

                await next(http).ConfigureAwait(false);
            }
            catch (ApiException error)
            {
                await ApiErrors.Write(http, error, error.Status == HttpStatusCode.TooManyRequests ? _options.RetryAfterSeconds : null).ConfigureAwait(false);
            }
            catch (BadHttpRequestException error)
            {
                var message = error.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? $"The request body is larger than this server accepts ({_options.MaxRequestBodyBytes} bytes)."
                    : "The request could not be read: " + error.Message;
                await ApiErrors.Write(http, new ApiException((HttpStatusCode)error.StatusCode, message)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                // The client went away: its generation was cancelled and its cache freed.
            }
            catch (OperationCanceledException)
            {
                await ApiErrors.Write(http, new ApiException(HttpStatusCode.ServiceUnavailable, "The server is shutting down; the request was cancelled.", "server_error")).ConfigureAwait(false);
            }
            catch (Exception error)
            {
                _logger.LogError(error, "Unhandled error on {Path}", http.Request.Path);
                await ApiErrors.Write(http, new ApiException(HttpStatusCode.InternalServerError, "The server failed to answer the request; see its log.", "server_error")).ConfigureAwait(false);
            }
            finally
            {
                var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                Metrics.Request(route, http.Response.StatusCode);
            }
        });

        _app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        _app.MapGet("/ready", () => IsReady
            ? Results.Json(new { status = "ready" })
            : Results.Json(new { status = _served is null ? "loading" : "stopping" }, statusCode: StatusCodes.Status503ServiceUnavailable));
        _app.MapGet("/metrics", () => Results.Text(Metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"));
        _app.MapGet("/v1/models", () => Results.Text(Models().ToJsonString(), "application/json"));
        _app.MapPost("/v1/chat/completions", async http =>
        {
            var endpoint = Require().Generation ?? throw NotServed("chat completions", "a language model");
            await endpoint.Chat(http, ChatCompletionRequest.Parse(await Body(http).ConfigureAwait(false))).ConfigureAwait(false);
        });
        _app.MapPost("/v1/completions", async http =>
        {
            var endpoint = Require().Generation ?? throw NotServed("completions", "a language model");
            await endpoint.Completion(http, CompletionRequest.Parse(await Body(http).ConfigureAwait(false))).ConfigureAwait(false);
        });
        _app.MapPost("/v1/embeddings", async http =>
        {
            var endpoint = Require().Embeddings ?? throw NotServed("embeddings", "a sentence encoder (serve one as PATH or with --embeddings)");
            await endpoint.Embed(http, EmbeddingRequest.Parse(await Body(http).ConfigureAwait(false))).ConfigureAwait(false);
        });
        _app.MapFallback(() => Results.Json(ApiErrors.Body("Unknown route.", "invalid_request_error", code: "not_found"), statusCode: StatusCodes.Status404NotFound));
    }

    private Served Require() => _served ?? throw new ApiException(HttpStatusCode.ServiceUnavailable, "The model is still loading; see /ready.", "server_error");

    private static ApiException NotServed(string what, string needs) => new(HttpStatusCode.NotFound, $"This server does not serve {what}: that needs {needs}.", code: "not_found");

    // The whole body, within the size limit (Kestrel enforces it while reading; a declared length past it fails at once).
    private async Task<ReadOnlyMemory<byte>> Body(HttpContext http)
    {
        if (http.Request.ContentLength > _options.MaxRequestBodyBytes)
        {
            throw new ApiException(HttpStatusCode.RequestEntityTooLarge, $"The request body is larger than this server accepts ({_options.MaxRequestBodyBytes} bytes).");
        }

        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private JsonObject Models()
    {
        var data = new JsonArray();
        if (_served?.Generation is not null && _served.Scheduler is not null)
        {
            var model = _served.Model!;
            data.Add(new JsonObject
            {
                ["id"] = model.Id,
                ["object"] = "model",
                ["created"] = 0,
                ["owned_by"] = "precision",
                ["precision"] = new JsonObject { ["dtype"] = model.Dtype, ["device"] = model.Model.Device, ["context"] = model.Context, ["chat_template"] = model.HasChatTemplate },
            });
        }

        if (_served?.Embeddings is { } embeddings)
        {
            data.Add(new JsonObject
            {
                ["id"] = embeddings.Id,
                ["object"] = "model",
                ["created"] = 0,
                ["owned_by"] = "precision",
                ["precision"] = new JsonObject { ["dtype"] = Runtime.Planning.DtypeRules.Name(embeddings.Encoder.Dtype), ["device"] = embeddings.Encoder.Device, ["dimension"] = embeddings.Encoder.Dimension },
            });
        }

        return new JsonObject { ["object"] = "list", ["data"] = data };
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _served?.Scheduler?.Dispose();
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private sealed record Served(ServedModel? Model, GenerationScheduler? Scheduler, GenerationEndpoint? Generation, EmbeddingEndpoint? Embeddings);
}
