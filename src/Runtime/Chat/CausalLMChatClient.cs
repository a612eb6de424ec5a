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
/// (else 512); sampling values left null come from generation_config.json. Stop sequences, tools and a JSON response
/// format are not supported and are refused rather than ignored.</para>
/// <para>The answer reports <see cref="ChatFinishReason.Stop"/> when an end-of-turn or EOS token ended it and
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
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await Task.Run(() => Model.Chat(conversation, chatOptions, null, cancellationToken), cancellationToken).ConfigureAwait(false);
            return new ChatResponse(new AI.ChatMessage(ChatRole.Assistant, result.Text) { MessageId = Guid.NewGuid().ToString("N") })
            {
                ResponseId = Guid.NewGuid().ToString("N"),
                ModelId = Metadata.DefaultModelId,
                CreatedAt = DateTimeOffset.UtcNow,
                FinishReason = FinishReason(result),
                Usage = Usage(result),
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
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Stops the generation too when the caller leaves the loop early.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var channel = Channel.CreateUnbounded<ChatToken>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var producer = Task.Run(() =>
            {
                try
                {
                    var result = Model.Chat(conversation, chatOptions, token => channel.Writer.TryWrite(token), stop.Token);
                    channel.Writer.TryComplete();
                    return result;
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

            var streamed = new System.Text.StringBuilder();
            try
            {
                await foreach (var token in channel.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    // Tokens already generated wait in the channel: a cancelled caller gets none of them.
                    cancellationToken.ThrowIfCancellationRequested();
                    if (token.Restarted)
                    {
                        streamed.Clear();
                        var restart = Update(token.Text);
                        restart.AdditionalProperties = new AdditionalPropertiesDictionary { [RestartedProperty] = true };
                        streamed.Append(token.Text);
                        yield return restart;
                        continue;
                    }

                    if (token.Text.Length > 0)
                    {
                        streamed.Append(token.Text);
                        yield return Update(token.Text);
                    }
                }

                var result = await producer.ConfigureAwait(false);

                // The stream decoder holds back an incomplete character; the full decode has the last word on the text.
                var text = streamed.ToString();
                var tail = result.Text.StartsWith(text, StringComparison.Ordinal) ? result.Text[text.Length..] : string.Empty;
                var last = Update(tail.Length > 0 ? tail : null);
                last.FinishReason = FinishReason(result);
                last.Contents.Add(new UsageContent(Usage(result)));
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

        if (options.StopSequences is { Count: > 0 })
        {
            throw new NotSupportedException("stop sequences are not supported: the answer stops on the checkpoint's end-of-turn and EOS tokens.");
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
        };
    }

    private static ChatFinishReason FinishReason(ChatResult result) =>
        result.Generation.StopReason == StopReason.StopToken ? ChatFinishReason.Stop : ChatFinishReason.Length;

    private static UsageDetails Usage(ChatResult result) => new()
    {
        InputTokenCount = result.Prompt.TokenIds.Count,
        OutputTokenCount = result.Generation.Tokens.Count,
        TotalTokenCount = result.Prompt.TokenIds.Count + result.Generation.Tokens.Count,
    };
}
