using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using PrecisionAnalyzers.Runtime.Chat;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Models;

namespace PrecisionAnalyzers.Server;

/// <summary>
/// Answers <c>/v1/chat/completions</c> and <c>/v1/completions</c>: checks the prompt against the context, queues the
/// generation (429 when full), then streams server-sent events in OpenAI's chunk format or returns one JSON answer, with
/// <c>usage</c> and the request's PREC1xx warnings in <c>precision_warnings</c>. Stop sequences end the generation early.
/// </summary>
internal sealed class GenerationEndpoint
{
    private readonly ServedModel _model;
    private readonly GenerationScheduler _scheduler;
    private readonly ServerMetrics _metrics;
    private readonly ServerOptions _options;

    public GenerationEndpoint(ServedModel model, GenerationScheduler scheduler, ServerMetrics metrics, ServerOptions options)
    {
        _model = model;
        _scheduler = scheduler;
        _metrics = metrics;
        _options = options;
    }

    public Task Chat(HttpContext http, ChatCompletionRequest request)
    {
        CheckModel(request.Sampling.Model);
        ChatPrompt prompt;
        try
        {
            prompt = _model.Chat.Format(request.Messages, cancellationToken: http.RequestAborted);
        }
        catch (ChatTemplateException e)
        {
            throw ApiException.BadRequest($"The chat template refused the messages: {e.Message}", "messages");
        }

        var sampling = request.Sampling;
        var options = _model.Chat.GenerationOptions(new ChatOptions { MaxNewTokens = 0, Temperature = sampling.Temperature, TopP = sampling.TopP, Seed = sampling.Seed });
        return Run(http, Kind.Chat, prompt.TokenIds, options, sampling);
    }

    public Task Completion(HttpContext http, CompletionRequest request)
    {
        CheckModel(request.Sampling.Model);
        IReadOnlyList<int> ids;
        if (request.PromptIds is { } given)
        {
            var vocabulary = _model.Model.Config.VocabSize;
            ids = given.All(id => id < vocabulary) ? given : throw ApiException.BadRequest($"'prompt' token ids must be below the vocabulary size {vocabulary}.", "prompt");
        }
        else
        {
            ids = _model.Tokenizer.Encode(request.PromptText!);
        }

        if (ids.Count == 0)
        {
            throw ApiException.BadRequest("'prompt' encodes to no tokens.", "prompt");
        }

        var sampling = request.Sampling;
        var options = _model.Chat.GenerationOptions(new ChatOptions { MaxNewTokens = 0, Temperature = sampling.Temperature, TopP = sampling.TopP, Seed = sampling.Seed })
            with { StopTokenIds = _model.CompletionStops };
        return Run(http, Kind.Completion, ids, options, sampling);
    }

    private void CheckModel(string? model)
    {
        if (model is not null && model != _model.Id)
        {
            throw new ApiException(HttpStatusCode.NotFound, $"The model '{model}' does not exist; this server serves '{_model.Id}'.", param: "model", code: "model_not_found");
        }
    }

    private async Task Run(HttpContext http, Kind kind, IReadOnlyList<int> prompt, GenerationOptions options, SamplingParameters sampling)
    {
        var context = _model.Context;
        if (prompt.Count >= context)
        {
            throw ApiException.BadRequest(
                $"This model's maximum context length is {context} tokens, but the prompt has {prompt.Count} tokens, leaving no room for an answer.",
                kind == Kind.Chat ? "messages" : "prompt", "context_length_exceeded");
        }

        var room = context - prompt.Count;
        if (sampling.MaxTokens is { } asked && asked > room)
        {
            throw ApiException.BadRequest(
                $"This model's maximum context length is {context} tokens. However, you requested {prompt.Count + asked} tokens ({prompt.Count} in the prompt, {asked} for the answer).",
                "max_tokens", "context_length_exceeded");
        }

        options = options with { MaxNewTokens = sampling.MaxTokens ?? room };
        using var job = new GenerationJob(prompt, options, http.RequestAborted);
        if (!_scheduler.TryEnqueue(job))
        {
            if (!_scheduler.Accepting)
            {
                throw new ApiException(HttpStatusCode.ServiceUnavailable, "The server is shutting down.", "server_error");
            }

            _metrics.Rejected();
            throw new ApiException(HttpStatusCode.TooManyRequests,
                $"The server is at capacity ({_options.MaxBatch} decoding, {_options.MaxQueue} waiting); retry after {_options.RetryAfterSeconds} s.", "rate_limit_error", code: "rate_limit_exceeded");
        }

        var answer = new AnswerText(_model, sampling.Stops);
        var id = (kind == Kind.Chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (!sampling.Stream)
        {
            await Drain(job, answer, null).ConfigureAwait(false);
            var body = Envelope(kind == Kind.Chat ? "chat.completion" : "text_completion", id, created);
            body["choices"] = new JsonArray(Choice(kind, answer.Text, FinishReason(job, answer), delta: false));
            body["usage"] = Usage(prompt.Count, job.Generated);
            body["precision_warnings"] = Warnings(job);
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted).ConfigureAwait(false);
            return;
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var objectName = kind == Kind.Chat ? "chat.completion.chunk" : "text_completion";
        Task Send(JsonObject chunk) => WriteEvent(http, chunk.ToJsonString());
        if (kind == Kind.Chat)
        {
            var first = Envelope(objectName, id, created);
            first["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["role"] = "assistant", ["content"] = "" }, ["logprobs"] = null, ["finish_reason"] = null });
            await Send(first).ConfigureAwait(false);
        }

        try
        {
            await Drain(job, answer, async piece =>
            {
                var chunk = Envelope(objectName, id, created);
                chunk["choices"] = new JsonArray(Choice(kind, piece, null, delta: true));
                await Send(chunk).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        catch (ApiException error)
        {
            await WriteEvent(http, ApiErrors.Body(error.Message, error.Type, error.Param, error.Code).ToJsonString()).ConfigureAwait(false);
            await WriteEvent(http, "[DONE]").ConfigureAwait(false);
            return;
        }

        var last = Envelope(objectName, id, created);
        last["choices"] = new JsonArray(Choice(kind, "", FinishReason(job, answer), delta: true));
        last["precision_warnings"] = Warnings(job);
        await Send(last).ConfigureAwait(false);
        if (sampling.IncludeUsage)
        {
            var usage = Envelope(objectName, id, created);
            usage["choices"] = new JsonArray();
            usage["usage"] = Usage(prompt.Count, job.Generated);
            await Send(usage).ConfigureAwait(false);
        }

        await WriteEvent(http, "[DONE]").ConfigureAwait(false);
    }

    // Reads the job's tokens into the answer until it ends or a stop sequence appears (which cancels the job).
    private static async Task Drain(GenerationJob job, AnswerText answer, Func<string, Task>? onText)
    {
        try
        {
            await foreach (var token in job.Tokens.ReadAllAsync(job.Cancellation).ConfigureAwait(false))
            {
                var piece = answer.Add(token);
                if (piece.Length > 0 && onText is not null)
                {
                    await onText(piece).ConfigureAwait(false);
                }

                if (answer.Stopped)
                {
                    job.Cancel();
                    return;
                }
            }
        }
        catch (NonFiniteActivationsException overflow)
        {
            throw new ApiException(HttpStatusCode.InternalServerError, overflow.Message, "server_error", code: overflow.Code);
        }
        catch (ChannelClosedException closed) when (closed.InnerException is NonFiniteActivationsException overflow)
        {
            throw new ApiException(HttpStatusCode.InternalServerError, overflow.Message, "server_error", code: overflow.Code);
        }

        var rest = answer.Finish();
        if (rest.Length > 0 && onText is not null)
        {
            await onText(rest).ConfigureAwait(false);
        }
    }

    private static async Task WriteEvent(HttpContext http, string data)
    {
        await http.Response.WriteAsync("data: " + data + "\n\n", http.RequestAborted).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    private static string FinishReason(GenerationJob job, AnswerText answer) =>
        answer.Stopped || job.StopReason == StopReason.StopToken ? "stop" : "length";

    private JsonObject Envelope(string objectName, string id, long created) => new()
    {
        ["id"] = id,
        ["object"] = objectName,
        ["created"] = created,
        ["model"] = _model.Id,
        ["system_fingerprint"] = $"precision-{_model.Dtype}-{_model.Model.Device}",
    };

    private static JsonObject Choice(Kind kind, string text, string? finishReason, bool delta) => kind == Kind.Chat
        ? new JsonObject
        {
            ["index"] = 0,
            [delta ? "delta" : "message"] = delta
                ? (finishReason is null ? new JsonObject { ["content"] = text } : new JsonObject())
                : new JsonObject { ["role"] = "assistant", ["content"] = text, ["refusal"] = null },
            ["logprobs"] = null,
            ["finish_reason"] = finishReason,
        }
        : new JsonObject { ["index"] = 0, ["text"] = text, ["logprobs"] = null, ["finish_reason"] = finishReason };

    private static JsonObject Usage(int prompt, int completion) => new()
    {
        ["prompt_tokens"] = prompt,
        ["completion_tokens"] = completion,
        ["total_tokens"] = prompt + completion,
    };

    private JsonArray Warnings(GenerationJob job) =>
        new(_model.LoadWarnings.Concat(job.Warnings).Select(w => (JsonNode)new JsonObject { ["code"] = w.Code, ["message"] = w.Message }).ToArray());

    private enum Kind
    {
        Chat,
        Completion,
    }
}
