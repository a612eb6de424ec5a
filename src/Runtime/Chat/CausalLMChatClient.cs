using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using PrecisionAnalyzers.Runtime.Models;
using AI = Microsoft.Extensions.AI;

namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>
/// A <see cref="CausalLM"/> as Microsoft.Extensions.AI's <see cref="IChatClient"/>: messages are rendered with the
/// checkpoint's chat template and answered by <see cref="CausalLM.Chat"/>, streamed or not.
/// </summary>
/// <remarks>
/// <para>Roles pass through as they are (<c>system</c>, <c>user</c>, <c>assistant</c>, or any role the template knows);
/// only text content is taken (<see cref="UsageContent"/> and reasoning text in a history are skipped, anything else
/// is refused with <see cref="NotSupportedException"/>).</para>
/// <para>Options: <see cref="AI.ChatOptions.Temperature"/> (0 is greedy), <see cref="AI.ChatOptions.TopP"/>,
/// <see cref="AI.ChatOptions.TopK"/>, <see cref="AI.ChatOptions.Seed"/> and <see cref="AI.ChatOptions.MaxOutputTokens"/>
/// (else 512); sampling values left null come from generation_config.json. <see cref="AI.ChatOptions.AdditionalProperties"/>
/// are the template's variables (<c>enable_thinking</c>, <c>date_string</c>, …). <see cref="AI.ChatOptions.StopSequences"/>
/// end the answer before the first of them (generation stops at the token that completes it; streamed text that could
/// start one is held back until it cannot). Tools and a JSON response format are not supported and are refused rather
/// than ignored.</para>
/// <para>The answer reports <see cref="ChatFinishReason.Stop"/> when an end-of-turn or EOS token or a stop sequence ended it and
/// <see cref="ChatFinishReason.Length"/> when it reached the token limit, and the prompt and answer token counts as usage
/// (streamed: in the last update, as <see cref="UsageContent"/>).</para>
/// <para>Generation on one model is not thread-safe: concurrent calls wait for each other (on every client of the same
/// model; direct calls of <see cref="CausalLM.Chat"/> are the caller's to serialize). Disposing
/// the client disposes the model only when it was created to own it (<c>ownsModel</c>); by default the caller keeps the
/// model and disposes it.</para>
/// <para>After an FP16 overflow fallback the answer starts again in a safer dtype: the streamed update that starts the new
/// run has <c>AdditionalProperties["precision.restarted"] = true</c>, and the text streamed before it is void.</para>
/// </remarks>
public sealed class CausalLMChatClient : IChatClient
{
    /// <summary>The provider name of <see cref="Metadata"/>.</summary>
    public const string ProviderName = "PrecisionAnalyzers";

    /// <summary>The key of the <see cref="ChatResponseUpdate.AdditionalProperties"/> flag that marks a restarted answer.</summary>
    public const string RestartedProperty = "precision.restarted";

    private const int DefaultMaxOutputTokens = 512;

    // One gate per model, shared by every client of it: two clients of one model wait for each other too.
    private static readonly ConditionalWeakTable<CausalLM, SemaphoreSlim> Gates = new();

    private readonly SemaphoreSlim _gate;
    private readonly bool _ownsModel;
    private bool _disposed;

    /// <param name="model">The model to chat with; it needs a chat template (its folder's, or <see cref="CausalLM.ChatFormatter"/> set).</param>
    /// <param name="ownsModel">Whether <see cref="Dispose"/> disposes <paramref name="model"/> too.</param>
    public CausalLMChatClient(CausalLM model, bool ownsModel = false)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _ownsModel = ownsModel;
        _gate = Gates.GetValue(model, _ => new SemaphoreSlim(1, 1));
        var id = model.Folder is { } folder ? Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)) : null;
        Metadata = new ChatClientMetadata(ProviderName, providerUri: null, defaultModelId: string.IsNullOrEmpty(id) ? null : id);
    }

    /// <summary>The wrapped model.</summary>
    public CausalLM Model { get; }

    /// <summary>Provider <c>PrecisionAnalyzers</c>; the model id is the checkpoint folder's name.</summary>
    public ChatClientMetadata Metadata { get; }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AI.ChatMessage> messages, AI.ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var conversation = ToRuntimeMessages(messages);
        var chatOptions = ToRuntimeOptions(options);
        var stops = options?.StopSequences;
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var answer = await Task.Run(() => Run(conversation, chatOptions, stops, null, cancellationToken), cancellationToken).ConfigureAwait(false);
            return new ChatResponse(new AI.ChatMessage(ChatRole.Assistant, answer.Text) { MessageId = Guid.NewGuid().ToString("N") })
            {
                ResponseId = Guid.NewGuid().ToString("N"),
                ModelId = Metadata.DefaultModelId,
                CreatedAt = DateTimeOffset.UtcNow,
                FinishReason = answer.FinishReason,
                Usage = answer.Usage,
            };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AI.ChatMessage> messages,
        AI.ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var conversation = ToRuntimeMessages(messages);
        var chatOptions = ToRuntimeOptions(options);
        var stops = options?.StopSequences;
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Stops the generation too when the caller leaves the loop early.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var channel = Channel.CreateUnbounded<(string Text, bool Restarted)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var producer = Task.Run(() =>
            {
                try
                {
                    var answer = Run(conversation, chatOptions, stops, (text, restarted) => channel.Writer.TryWrite((text, restarted)), stop.Token);
                    channel.Writer.TryComplete();
                    return answer;
                }
                catch (Exception e)
                {
                    channel.Writer.TryComplete(e);
                    throw;
                }
            }, CancellationToken.None);

            var responseId = Guid.NewGuid().ToString("N");
            var messageId = Guid.NewGuid().ToString("N");
            var createdAt = DateTimeOffset.UtcNow;
            ChatResponseUpdate Update(string? text) => new(ChatRole.Assistant, text)
            {
                ResponseId = responseId,
                MessageId = messageId,
                ModelId = Metadata.DefaultModelId,
                CreatedAt = createdAt,
            };

            try
            {
                await foreach (var (text, restarted) in channel.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    // Text already generated waits in the channel: a cancelled caller gets none of it.
                    cancellationToken.ThrowIfCancellationRequested();
                    var update = Update(text);
                    if (restarted)
                    {
                        update.AdditionalProperties = new AdditionalPropertiesDictionary { [RestartedProperty] = true };
                    }

                    yield return update;
                }

                var answer = await producer.ConfigureAwait(false);
                var last = Update(null);
                last.FinishReason = answer.FinishReason;
                last.Contents.Add(new UsageContent(answer.Usage));
                yield return last;
            }
            finally
            {
                // The model must be idle before the next call may start: stop the generation and wait for it.
                await stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await producer.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Already surfaced through the channel, or the caller stopped listening.
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Answers with <see cref="CausalLM.Chat"/>, giving each piece of text to <paramref name="emit"/> as it is complete and
    /// cannot be part of a stop sequence, and ending the generation at the first stop sequence.
    /// </summary>
    private (string Text, ChatFinishReason FinishReason, UsageDetails Usage) Run(IReadOnlyList<ChatMessage> conversation, ChatOptions options, IEnumerable<string>? stops, Action<string, bool>? emit, CancellationToken cancellationToken)
    {
        var filter = new StopSequenceFilter(stops);
        using var atSequence = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tokens = 0;
        ChatResult? result = null;
        try
        {
            result = Model.Chat(conversation, options, token =>
            {
                if (token.Restarted)
                {
                    filter.Reset();
                    tokens = 0;
                }

                tokens++;
                var text = filter.Add(token.Text);
                if (text.Length > 0 || token.Restarted)
                {
                    emit?.Invoke(text, token.Restarted);
                }

                if (filter.Stopped)
                {
                    atSequence.Cancel();
                }
            }, atSequence.Token);
        }
        catch (OperationCanceledException) when (filter.Stopped && !cancellationToken.IsCancellationRequested)
        {
            // Stopped at a stop sequence, before the next token.
        }

        if (result is not null)
        {
            // The stream decoder holds back an incomplete character; the full decode has the last word on the text.
            var received = filter.Received;
            var tail = !filter.Stopped && result.Text.StartsWith(received, StringComparison.Ordinal) ? result.Text[received.Length..] : string.Empty;
            var rest = filter.Add(tail) + filter.Flush();
            if (rest.Length > 0)
            {
                emit?.Invoke(rest, false);
            }
        }

        var input = result?.Prompt.TokenIds.Count ?? Model.ChatFormatter.Format(conversation, options.AddGenerationPrompt, options.TemplateVariables, cancellationToken).TokenIds.Count;
        var output = result?.Generation.Tokens.Count ?? tokens;
        var finish = filter.Stopped || result!.Generation.StopReason == StopReason.StopToken ? ChatFinishReason.Stop : ChatFinishReason.Length;
        return (filter.Text, finish, new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output });
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return Metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : serviceType.IsInstanceOfType(Model) ? Model : null;
    }

    /// <summary>Disposes the model when the client owns it (<c>ownsModel</c>); otherwise leaves it to the caller.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsModel)
        {
            Model.Dispose();
        }
    }

    internal static IReadOnlyList<ChatMessage> ToRuntimeMessages(IEnumerable<AI.ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var result = new List<ChatMessage>();
        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            var text = new System.Text.StringBuilder();
            foreach (var content in message.Contents)
            {
                switch (content)
                {
                    case TextContent t:
                        text.Append(t.Text);
                        break;
                    case UsageContent or TextReasoningContent:
                        break;
                    default:
                        throw new NotSupportedException($"{content.GetType().Name} in a {message.Role} message: the runtime's chat takes text only.");
                }
            }

            result.Add(new ChatMessage(message.Role.Value, text.ToString()));
        }

        return result;
    }

    internal static ChatOptions ToRuntimeOptions(AI.ChatOptions? options)
    {
        if (options is null)
        {
            return new ChatOptions { MaxNewTokens = DefaultMaxOutputTokens };
        }

        if (options.Tools is { Count: > 0 })
        {
            throw new NotSupportedException("tools (function calling) are not supported by the runtime's chat.");
        }

        if (options.ResponseFormat is ChatResponseFormatJson)
        {
            throw new NotSupportedException("a JSON response format is not supported: the runtime does not constrain decoding.");
        }

        if (options.MaxOutputTokens is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxOutputTokens, "MaxOutputTokens must be ≥ 0.");
        }

        if (options.Seed is { } seed && (seed < int.MinValue || seed > int.MaxValue))
        {
            throw new ArgumentOutOfRangeException(nameof(options), seed, "Seed must fit in 32 bits.");
        }

        return new ChatOptions
        {
            MaxNewTokens = options.MaxOutputTokens ?? DefaultMaxOutputTokens,
            Temperature = options.Temperature,
            TopP = options.TopP,
            TopK = options.TopK,
            Seed = options.Seed is { } s ? (int)s : null,
            TemplateVariables = options.AdditionalProperties is { Count: > 0 } variables ? new Dictionary<string, object?>(variables, StringComparer.Ordinal) : null,
        };
    }
}
