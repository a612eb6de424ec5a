using System.ClientModel;
using System.Net;
using System.Text.Json;
using OpenAI.Chat;
using PrecisionAnalyzers.Server;

namespace PrecisionAnalyzers.Server.Tests;

/// <summary>Bad requests, a full queue, a missing key and a client that goes away, against a real server.</summary>
public sealed class FaultTests
{
    [Theory]
    [InlineData("{bad json", null, "parse")]
    [InlineData("[1, 2]", null, "JSON object")]
    [InlineData("""{"messages": "hello"}""", "messages", "expected an array")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "max_tokens": "ten"}""", "max_tokens", "expected an integer")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "temperature": 7}""", "temperature", "out of range")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "colour": "blue"}""", "colour", "Unrecognized request argument")]
    [InlineData("""{"messages": [{"role": "user", "content": "hi"}], "n": 2}""", "n", "n = 1")]
    [InlineData("""{"messages": [{"role": "wizard", "content": "hi"}]}""", "messages[0].role", "must be one of")]
    [InlineData("""{"messages": []}""", "messages", "at least one")]
    [InlineData("""{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}""", "model", "does not exist")]
    public async Task Bad_chat_requests_get_an_OpenAI_style_error_and_never_a_server_error(string body, string? param, string says)
    {
        await using var running = await RunningServer.Start(RunningServer.Stories260K);

        using var response = await running.Http.SendAsync(Sse.Post("/v1/chat/completions", body));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{response.StatusCode}: {text}");
        using var json = JsonDocument.Parse(text);
        var error = json.RootElement.GetProperty("error");
        Assert.Contains(says, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_is_refused_with_both_lengths()
    {
        await using var running = await RunningServer.Start(RunningServer.Stories260K, new ServerOptions { Context = 64 });
        var longPrompt = string.Join(' ', Enumerable.Repeat("Once upon a time there was a cat.", 20));
        var promptTokens = running.Served!.Tokenizer.Encode(longPrompt).Length;

        using var response = await running.Http.SendAsync(Sse.Post("/v1/completions", JsonSerializer.Serialize(new { prompt = longPrompt, max_tokens = 4 })));
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString()!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("64 tokens", message, StringComparison.Ordinal);
        Assert.Contains($"{promptTokens} tokens", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_past_the_limit_is_refused_with_413()
    {
        await using var running = await RunningServer.Start(RunningServer.Stories260K, new ServerOptions { MaxRequestBodyBytes = 4096 });
        var body = JsonSerializer.Serialize(new { prompt = new string('a', 10_000) });

        using var response = await running.Http.SendAsync(Sse.Post("/v1/completions", body));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task With_an_API_key_every_v1_route_needs_the_bearer_token()
    {
        await using var running = await RunningServer.Start(RunningServer.Stories260K, new ServerOptions { ApiKey = "s3cret-key" });

        using var none = await running.Http.GetAsync("/v1/models");
        using var wrongRequest = new HttpRequestMessage(HttpMethod.Get, "/v1/models") { Headers = { { "Authorization", "Bearer s3cret-kez" } } };
        using var wrong = await running.Http.SendAsync(wrongRequest);
        using var chatWithout = await running.Http.SendAsync(Sse.Post("/v1/chat/completions", """{"messages": [{"role": "user", "content": "hi"}]}"""));
        using var health = await running.Http.GetAsync("/health");
        var rejected = await Assert.ThrowsAsync<ClientResultException>(() => OpenAiClientTests.ChatClientFor(running, "stories260K", "not-the-key").CompleteChatAsync([new UserChatMessage("Once")]));
        ChatCompletion accepted = await OpenAiClientTests.ChatClientFor(running, "stories260K", "s3cret-key").CompleteChatAsync([new UserChatMessage("Once")], new ChatCompletionOptions { MaxOutputTokenCount = 3, Temperature = 0 });

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, chatWithout.StatusCode);
        Assert.Equal("invalid_api_key", JsonDocument.Parse(await none.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(401, rejected.Status);
        Assert.Equal(3, accepted.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task Past_the_batch_and_the_queue_a_request_gets_429_with_Retry_After()
    {
        await using var running = await RunningServer.Start(TestFolders.LongModel, new ServerOptions { MaxBatch = 1, MaxQueue = 1, RetryAfterSeconds = 2 });
        using var busy = new CancellationTokenSource();
        var (first, firstBody) = await OpenStream(running, 60_000, busy.Token);
        using var waiting = new CancellationTokenSource();
        var queued = running.Http.SendAsync(Sse.Post("/v1/completions", """{"prompt": [5, 6, 7], "max_tokens": 3}"""), waiting.Token);
        await Until(() => running.Server.Metrics.QueueLength == 1);

        using var refused = await running.Http.SendAsync(Sse.Post("/v1/completions", """{"prompt": [5, 6, 7], "max_tokens": 3}"""));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("rate_limit_error", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("type").GetString());
        busy.Cancel();
        first.Dispose();
        firstBody.Dispose();
        using var served = await queued;
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task A_client_that_disconnects_cancels_its_generation_and_frees_its_place()
    {
        await using var running = await RunningServer.Start(TestFolders.LongModel, new ServerOptions { MaxBatch = 1, MaxQueue = 0 });
        var (response, body) = await OpenStream(running, 60_000, CancellationToken.None);
        await Until(() => running.Server.Metrics.ActiveSequences == 1);

        response.Dispose();
        body.Dispose();
        await Until(() => running.Server.Metrics.ActiveSequences == 0 && running.Server.Metrics.QueueLength == 0);
        var generated = running.Server.Metrics.GeneratedTokens;
        using var next = await running.Http.SendAsync(Sse.Post("/v1/completions", """{"prompt": [5, 6, 7], "max_tokens": 4}"""));

        Assert.True(generated < 60_000, $"the cancelled request generated {generated} tokens");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(4, JsonDocument.Parse(await next.Content.ReadAsStringAsync()).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(generated + 4, running.Server.Metrics.GeneratedTokens);
    }

    [Fact]
    public async Task A_client_leaving_mid_batch_does_not_disturb_the_others()
    {
        await using var running = await RunningServer.Start(TestFolders.LongModel, new ServerOptions { MaxBatch = 4 });
        var staying = running.Http.SendAsync(Sse.Post("/v1/completions", """{"prompt": [9, 8, 7], "max_tokens": 300}"""));
        var (leaving, body) = await OpenStream(running, 60_000, CancellationToken.None);
        await Until(() => running.Server.Metrics.ActiveSequences == 2 || staying.IsCompleted);

        leaving.Dispose();
        body.Dispose();
        using var answer = await staying;

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(300, JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        await Until(() => running.Server.Metrics.ActiveSequences == 0);
    }

    // Starts a streaming completion and returns once its first token has arrived (so it is decoding).
    private static async Task<(HttpResponseMessage Response, Stream Body)> OpenStream(RunningServer running, int maxTokens, CancellationToken cancellationToken)
    {
        var request = Sse.Post("/v1/completions", JsonSerializer.Serialize(new { prompt = new[] { 1, 2, 3 }, max_tokens = maxTokens, stream = true }));
        var response = await running.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[1];
        Assert.Equal(1, await body.ReadAsync(buffer, cancellationToken));
        return (response, body);
    }

    // Waits for a state the server reaches asynchronously; fails after a minute (a generous bound, not a speed check).
    internal static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the server did not reach the expected state within a minute");
            await Task.Delay(20);
        }
    }
}
