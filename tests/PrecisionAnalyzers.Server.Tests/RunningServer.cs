using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Server;

namespace PrecisionAnalyzers.Server.Tests;

/// <summary>A real <see cref="PrecisionServer"/> on an ephemeral loopback port, serving a real checkpoint folder in FP32.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private readonly CausalLM? _model;
    private readonly SentenceEncoder? _encoder;

    private RunningServer(PrecisionServer server, ServedModel? served, CausalLM? model, SentenceEncoder? encoder)
    {
        Server = server;
        Served = served;
        _model = model;
        _encoder = encoder;
        Http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(2) };
    }

    /// <summary>llama2.c's stories260K as the CLI ships it (MIT; LICENSE beside it).</summary>
    public static string Stories260K { get; } = Path.Combine(AppContext.BaseDirectory, "models", "stories260K");

    public PrecisionServer Server { get; }

    public ServedModel? Served { get; }

    public HttpClient Http { get; }

    /// <summary>The base address OpenAI's clients take, e.g. http://127.0.0.1:PORT/v1.</summary>
    public Uri V1 => new(Server.Address, "v1");

    public static async Task<RunningServer> Start(string? decoder, ServerOptions? options = null, string? encoder = null)
    {
        var server = PrecisionServer.Create((options ?? new ServerOptions()) with { Port = 0 });
        await server.StartAsync();
        var model = decoder is null ? null : CausalLM.Load(decoder, new LoadOptions { Dtype = DType.Float32 });
        var served = model is null ? null : ServedModel.Create(model, context: options?.Context);
        var sentences = encoder is null ? null : SentenceEncoder.Load(encoder, new LoadOptions { Dtype = DType.Float32 });
        server.Attach(served, sentences, sentences is null ? null : "tiny-encoder");
        return new RunningServer(server, served, model, sentences);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.StopAsync();
        await Server.DisposeAsync();
        _model?.Dispose();
        _encoder?.Dispose();
    }
}
