using Microsoft.Extensions.AI;
using PrecisionAnalyzers.Runtime.Chat;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Tests.Shared;
using AI = Microsoft.Extensions.AI;
using RuntimeChatMessage = PrecisionAnalyzers.Runtime.Chat.ChatMessage;
using RuntimeChatOptions = PrecisionAnalyzers.Runtime.Chat.ChatOptions;

namespace PrecisionAnalyzers.Runtime.Tests.Chat;

/// <summary><see cref="CausalLMChatClient"/>: a tiny llama with SmolLM2's real template behind <see cref="IChatClient"/>.</summary>
public sealed class CausalLMChatClientTests : IDisposable
{
    private static readonly LoadOptions Cpu32 = new() { Dtype = DType.Float32, Device = "cpu" };

    private readonly string _root = Directory.CreateTempSubdirectory("causal-chat-client-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // "{}": no generation_config eos, so only <|im_end|> stops the random model and answers run long.
    private string Folder(string name, string generationConfig = "{}") =>
        ChatModelFixture.Write(Path.Combine(_root, name), generationConfig: generationConfig);

    private static AI.ChatMessage[] Conversation =>
    [
        new(ChatRole.System, "be brief"),
        new(ChatRole.User, "hello"),
    ];

    private static RuntimeChatMessage[] RuntimeConversation => [RuntimeChatMessage.System("be brief"), RuntimeChatMessage.User("hello")];

    [Fact]
    public async Task A_response_has_the_text_finish_reason_and_token_counts_of_CausalLM_Chat()
    {
        using var model = CausalLM.Load(Folder("same"), Cpu32);
        var expected = model.Chat(RuntimeConversation, new RuntimeChatOptions { MaxNewTokens = 12, Temperature = 0 });
        using var client = model.AsChatClient();

        var response = await client.GetResponseAsync(Conversation, new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 12 });

        Assert.NotEmpty(expected.Generation.Tokens);
        Assert.NotEqual(string.Empty, expected.Text);
        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(ChatRole.Assistant, Assert.Single(response.Messages).Role);
        Assert.Equal(expected.Generation.StopReason == StopReason.StopToken ? ChatFinishReason.Stop : ChatFinishReason.Length, response.FinishReason);
        Assert.NotNull(response.Usage);
        Assert.Equal(expected.Prompt.TokenIds.Count, response.Usage.InputTokenCount);
        Assert.Equal(expected.Generation.Tokens.Count, response.Usage.OutputTokenCount);
        Assert.Equal(expected.Prompt.TokenIds.Count + expected.Generation.Tokens.Count, response.Usage.TotalTokenCount);
        Assert.Equal("same", response.ModelId);
    }

    [Fact]
    public async Task Sampling_options_map_to_the_runtimes_so_a_seeded_answer_is_the_same()
    {
        using var model = CausalLM.Load(Folder("sampled"), Cpu32);
        var expected = model.Chat(RuntimeConversation, new RuntimeChatOptions { MaxNewTokens = 16, Temperature = 1.5, TopK = 40, TopP = 0.95, Seed = 7 });
        var greedy = model.Chat(RuntimeConversation, new RuntimeChatOptions { MaxNewTokens = 16, Temperature = 0 });
        using var client = model.AsChatClient();

        var response = await client.GetResponseAsync(Conversation, new AI.ChatOptions { MaxOutputTokens = 16, Temperature = 1.5f, TopK = 40, TopP = 0.95f, Seed = 7 });

        // The seeded sample differs from the greedy answer, so options that were dropped could not pass.
        Assert.NotEqual(greedy.Generation.Tokens, expected.Generation.Tokens);
        Assert.Equal(expected.Text, response.Text);
    }

    [Fact]
    public void Options_are_mapped_and_unsupported_ones_are_refused()
    {
        var options = CausalLMChatClient.ToRuntimeOptions(new AI.ChatOptions { Temperature = 0.5f, TopP = 0.25f, TopK = 7, Seed = 3, MaxOutputTokens = 9 });

        Assert.Equal((0.5, 0.25, 7, 3, 9), (options.Temperature!.Value, options.TopP!.Value, options.TopK!.Value, options.Seed!.Value, options.MaxNewTokens));
        Assert.Equal(512, CausalLMChatClient.ToRuntimeOptions(null).MaxNewTokens);
        Assert.Null(CausalLMChatClient.ToRuntimeOptions(new AI.ChatOptions()).Temperature);
        Assert.Throws<NotSupportedException>(() => CausalLMChatClient.ToRuntimeOptions(new AI.ChatOptions { ResponseFormat = ChatResponseFormat.Json }));
        Assert.Throws<ArgumentOutOfRangeException>(() => CausalLMChatClient.ToRuntimeOptions(new AI.ChatOptions { Seed = long.MaxValue }));
    }

    [Fact]
    public async Task Additional_properties_are_the_templates_variables()
    {
        var folder = ChatModelFixture.Write(Path.Combine(_root, "variables"), "{% if shout %}HELLO HELLO {% endif %}{{ messages[0]['content'] }}", "{}");
        using var model = CausalLM.Load(folder, Cpu32);
        using var client = model.AsChatClient();
        var expected = model.Chat([RuntimeChatMessage.User("hello")], new RuntimeChatOptions { Temperature = 0, MaxNewTokens = 8, TemplateVariables = new Dictionary<string, object?> { ["shout"] = true } });

        var loud = await client.GetResponseAsync([new(ChatRole.User, "hello")], new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 8, AdditionalProperties = new() { ["shout"] = true } });
        var quiet = await client.GetResponseAsync([new(ChatRole.User, "hello")], new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 8, AdditionalProperties = new() { ["shout"] = false } });

        Assert.Equal(expected.Prompt.TokenIds.Count, loud.Usage!.InputTokenCount);
        Assert.Equal(expected.Text, loud.Text);
        Assert.True(quiet.Usage!.InputTokenCount < loud.Usage.InputTokenCount);
    }

    [Fact]
    public void Messages_keep_their_roles_and_text_and_non_text_content_is_refused()
    {
        var messages = CausalLMChatClient.ToRuntimeMessages(
        [
            new(ChatRole.System, "s"),
            new(ChatRole.User, [new TextContent("a"), new TextContent("b")]),
            new(ChatRole.Assistant, [new TextContent("c"), new UsageContent(new UsageDetails())]),
        ]);

        Assert.Equal([RuntimeChatMessage.System("s"), RuntimeChatMessage.User("ab"), RuntimeChatMessage.Assistant("c")], messages);
        Assert.Throws<NotSupportedException>(() => CausalLMChatClient.ToRuntimeMessages([new(ChatRole.User, [new DataContent(new byte[] { 1, 2 }, "image/png")])]));
    }

    [Fact]
    public async Task Streamed_updates_add_up_to_the_non_streamed_answer_and_end_with_finish_reason_and_usage()
    {
        using var model = CausalLM.Load(Folder("stream"), Cpu32);
        using var client = model.AsChatClient();
        var options = new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 12 };
        var response = await client.GetResponseAsync(Conversation, options);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Conversation, options))
        {
            updates.Add(update);
        }

        Assert.True(updates.Count(u => u.Text.Length > 0) >= 2, $"{updates.Count} updates: the answer was not streamed");
        Assert.Equal(response.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
        Assert.Single(updates.Select(u => u.MessageId).Distinct());
        Assert.Equal(response.FinishReason, updates[^1].FinishReason);
        Assert.All(updates.SkipLast(1), u => Assert.Null(u.FinishReason));
        var combined = updates.ToChatResponse();
        Assert.Equal(response.Text, combined.Text);
        Assert.Equal(response.Usage!.OutputTokenCount, combined.Usage!.OutputTokenCount);
        Assert.Equal(response.Usage.InputTokenCount, combined.Usage.InputTokenCount);
    }

    [Fact]
    public async Task A_streamed_answer_added_to_the_history_continues_the_conversation_as_Chat_does()
    {
        using var model = CausalLM.Load(Folder("history"), Cpu32);
        using var client = model.AsChatClient();
        var options = new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 6 };
        var runtimeOptions = new RuntimeChatOptions { Temperature = 0, MaxNewTokens = 6 };
        var first = model.Chat(RuntimeConversation, runtimeOptions);
        var second = model.Chat([.. first.Append(RuntimeConversation), RuntimeChatMessage.User("and then?")], runtimeOptions);

        List<AI.ChatMessage> history = [.. Conversation];
        history.AddMessages(await client.GetStreamingResponseAsync(history, options).ToChatResponseAsync());
        history.Add(new(ChatRole.User, "and then?"));
        var response = await client.GetResponseAsync(history, options);

        Assert.Equal(first.Text, history[2].Text);
        Assert.Equal(ChatRole.Assistant, history[2].Role);
        Assert.Equal(second.Text, response.Text);
        Assert.Equal(second.Prompt.TokenIds.Count, response.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_answer_before_it_streamed_or_not()
    {
        using var model = CausalLM.Load(Folder("stop-sequence"), Cpu32);
        using var client = model.AsChatClient();
        var whole = await client.GetResponseAsync(Conversation, new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 24 });
        Assert.Equal(ChatFinishReason.Length, whole.FinishReason);
        Assert.True(whole.Text.Length >= 9, $"the fixture's answer is too short: '{whole.Text}'");
        var stop = whole.Text.Substring(whole.Text.Length / 3, 2);
        var expected = whole.Text[..whole.Text.IndexOf(stop, StringComparison.Ordinal)];
        var options = new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 24, StopSequences = ["never in the answer", stop] };

        var response = await client.GetResponseAsync(Conversation, options);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Conversation, options))
        {
            updates.Add(update);
        }

        Assert.Equal(expected, response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.InRange(response.Usage!.OutputTokenCount!.Value, 1, 23);
        Assert.Equal(whole.Usage!.InputTokenCount, response.Usage.InputTokenCount);
        Assert.Equal(expected, string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.Equal(response.Usage.OutputTokenCount, updates.ToChatResponse().Usage!.OutputTokenCount);
    }

    [Fact]
    public void The_stop_sequence_filter_holds_back_what_could_start_one_and_never_gives_it_out()
    {
        var filter = new StopSequenceFilter(["</s>", "END"]);

        Assert.Equal("hel", filter.Add("hello "));
        Assert.Equal("lo ", filter.Add("wor"));
        Assert.Equal("worl", filter.Add("ld</"));
        Assert.Equal("d", filter.Add("s> END"));
        Assert.True(filter.Stopped);
        Assert.Equal(string.Empty, filter.Add("more"));
        Assert.Equal(string.Empty, filter.Flush());
        Assert.Equal("hello world", filter.Text);

        var earliest = new StopSequenceFilter(["</s>", "END"]);
        Assert.Equal("a", earliest.Add("aEND</s>"));
        Assert.Equal("a", earliest.Text);

        var open = new StopSequenceFilter(["</s>"]);
        Assert.Equal("a", open.Add("ab</"));
        Assert.Equal("b</", open.Flush());
        Assert.False(open.Stopped);
        Assert.Equal("ab</", open.Text);

        var none = new StopSequenceFilter(null);
        Assert.Equal("abc", none.Add("abc"));
        Assert.Equal(string.Empty, none.Flush());
    }

    [Fact]
    public async Task MaxOutputTokens_limits_the_answer_and_reports_Length()
    {
        using var model = CausalLM.Load(Folder("length"), Cpu32);
        var unlimited = model.Chat(RuntimeConversation, new RuntimeChatOptions { MaxNewTokens = 20, Temperature = 0 });
        Assert.True(unlimited.Generation.Tokens.Count > 3, "the fixture's answer must run past 3 tokens");
        using var client = model.AsChatClient();

        var response = await client.GetResponseAsync(Conversation, new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 3 });
        var streamed = await client.GetStreamingResponseAsync(Conversation, new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 3 }).ToChatResponseAsync();

        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(3, response.Usage!.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, streamed.FinishReason);
        Assert.Equal(3, streamed.Usage!.OutputTokenCount);
        Assert.Equal(response.Text, streamed.Text);
        Assert.StartsWith(response.Text, unlimited.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_end_of_turn_token_reports_Stop()
    {
        int first;
        using (var probe = CausalLM.Load(Folder("probe"), Cpu32))
        {
            first = probe.Chat(RuntimeConversation, new RuntimeChatOptions { MaxNewTokens = 1, Temperature = 0 }).Generation.Tokens[0];
        }

        // The same weights with the first greedy token as an eos id: the answer stops right there.
        using var model = CausalLM.Load(Folder("stop", $$"""{"eos_token_id": [{{first}}]}"""), Cpu32);
        using var client = model.AsChatClient();

        var response = await client.GetResponseAsync(Conversation, new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 10 });
        var streamed = await client.GetStreamingResponseAsync(Conversation, new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 10 }).ToChatResponseAsync();

        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(1, response.Usage!.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Stop, streamed.FinishReason);
    }

    [Fact]
    public async Task Cancelling_mid_stream_stops_the_answer_and_leaves_the_client_usable()
    {
        using var model = CausalLM.Load(Folder("cancel"), Cpu32);
        using var client = model.AsChatClient();
        var options = new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 200 };
        using var cancellation = new CancellationTokenSource();
        var received = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Conversation, options, cancellation.Token))
            {
                if (++received == 1)
                {
                    await cancellation.CancelAsync();
                }
            }
        });

        // The cancelled answer released the model: the next call runs, and is the whole answer.
        var after = await client.GetResponseAsync(Conversation, new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 12 });
        var expected = model.Chat(RuntimeConversation, new RuntimeChatOptions { MaxNewTokens = 12, Temperature = 0 });
        Assert.InRange(received, 1, 2);
        Assert.Equal(expected.Text, after.Text);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync(Conversation, options, cancellation.Token));
    }

    [Fact]
    public async Task Leaving_a_stream_early_stops_the_generation_before_the_next_call()
    {
        using var model = CausalLM.Load(Folder("leave"), Cpu32);
        using var client = model.AsChatClient();
        var options = new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 12 };
        var expected = await client.GetResponseAsync(Conversation, options);

        await foreach (var update in client.GetStreamingResponseAsync(Conversation, new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 200 }))
        {
            break;
        }

        var after = await client.GetResponseAsync(Conversation, options);
        Assert.Equal(expected.Text, after.Text);
    }

    [Fact]
    public async Task Concurrent_calls_are_serialized_and_each_gets_the_whole_answer()
    {
        using var model = CausalLM.Load(Folder("concurrent"), Cpu32);
        using var client = model.AsChatClient();
        var options = new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 12 };
        var expected = model.Chat(RuntimeConversation, new RuntimeChatOptions { MaxNewTokens = 12, Temperature = 0 }).Text;

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => i % 2 == 0
            ? client.GetResponseAsync(Conversation, options)
            : client.GetStreamingResponseAsync(Conversation, options).ToChatResponseAsync()));

        Assert.All(responses, r => Assert.Equal(expected, r.Text));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_call_waits_while_another_stream_holds_the_model(bool throughAnotherClient)
    {
        using var model = CausalLM.Load(Folder("wait" + throughAnotherClient), Cpu32);
        using var client = model.AsChatClient();
        using var other = model.AsChatClient();
        var options = new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 12 };
        var stream = client.GetStreamingResponseAsync(Conversation, options).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());

        var waiting = (throughAnotherClient ? other : client).GetResponseAsync(Conversation, options);
        await Task.Delay(500);

        // A 12-token answer of the tiny model takes milliseconds: only the open stream holds it back.
        Assert.False(waiting.IsCompleted, "the second call ran while the first stream was open");
        var streamed = stream.Current.Text;
        while (await stream.MoveNextAsync())
        {
            streamed += stream.Current.Text;
        }

        await stream.DisposeAsync();
        Assert.Equal(streamed, (await waiting).Text);
    }

    [Fact]
    public void Metadata_names_the_provider_and_the_checkpoint_folder()
    {
        using var model = CausalLM.Load(Folder("tiny-smol"), Cpu32);
        using var client = model.AsChatClient();

        var metadata = client.GetService<ChatClientMetadata>();

        Assert.NotNull(metadata);
        Assert.Equal("PrecisionAnalyzers", metadata.ProviderName);
        Assert.Equal("tiny-smol", metadata.DefaultModelId);
        Assert.Same(model, client.GetService<CausalLM>());
        Assert.Same(client, client.GetService<IChatClient>());
        Assert.Null(client.GetService<ChatClientMetadata>("some key"));
        Assert.Null(client.GetService<string>());
    }

    [Fact]
    public async Task Disposing_the_client_leaves_the_model_to_its_owner_unless_the_client_owns_it()
    {
        var folder = Folder("owner");
        using var model = CausalLM.Load(folder, Cpu32);
        var expected = model.Chat(RuntimeConversation, new RuntimeChatOptions { MaxNewTokens = 4, Temperature = 0 }).Text;

        model.AsChatClient().Dispose();

        Assert.Equal(expected, model.Chat(RuntimeConversation, new RuntimeChatOptions { MaxNewTokens = 4, Temperature = 0 }).Text);

        var owned = CausalLM.Load(folder, Cpu32);
        var client = owned.AsChatClient(ownsModel: true);
        Assert.Equal(expected, (await client.GetResponseAsync(Conversation, new AI.ChatOptions { Temperature = 0, MaxOutputTokens = 4 })).Text);
        client.Dispose();

        Assert.ThrowsAny<Exception>(() => owned.Chat(RuntimeConversation, new RuntimeChatOptions { MaxNewTokens = 4, Temperature = 0 }));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetResponseAsync(Conversation));
    }
}
