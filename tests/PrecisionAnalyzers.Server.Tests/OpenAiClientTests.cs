using System.ClientModel;
using System.Text;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Tokenization;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AIChatOptions = Microsoft.Extensions.AI.ChatOptions;
using AIChatRole = Microsoft.Extensions.AI.ChatRole;

namespace PrecisionAnalyzers.Server.Tests;

/// <summary>The official OpenAI .NET client and Microsoft.Extensions.AI.OpenAI against precision serve, streaming and not.</summary>
public sealed class OpenAiClientTests
{
    [Fact]
    public async Task The_OpenAI_client_streams_a_chat_completion_from_stories260K_with_the_greedy_story()
    {
        await using var running = await RunningServer.Start(RunningServer.Stories260K);
        var client = ChatClientFor(running, "stories260K");
        var expected = Alone(running, "Once upon a time", 30);

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        OpenAI.Chat.ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Once upon a time")], new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 30 }))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal(expected, text.ToString());
        Assert.StartsWith(", there was a little girl", text.ToString(), StringComparison.Ordinal);
        Assert.Equal(OpenAI.Chat.ChatFinishReason.Length, finish);
        Assert.NotNull(usage);
        Assert.Equal(30, usage.OutputTokenCount);
        Assert.Equal(running.Served!.Chat.Format([Runtime.Chat.ChatMessage.User("Once upon a time")]).TokenIds.Count, usage.InputTokenCount);
    }

    [Fact]
    public async Task The_OpenAI_client_gets_the_same_answer_without_streaming()
    {
        await using var running = await RunningServer.Start(RunningServer.Stories260K);
        var client = ChatClientFor(running, "stories260K");

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Once upon a time")], new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 30 });

        Assert.Equal(Alone(running, "Once upon a time", 30), completion.Content[0].Text);
        Assert.Equal(30, completion.Usage.OutputTokenCount);
        Assert.Equal("stories260K", completion.Model);
    }

    [Fact]
    public async Task The_OpenAI_client_streams_from_a_chat_model_with_its_template_and_stops_at_end_of_turn()
    {
        await using var running = await RunningServer.Start(TestFolders.ChatModel);
        var client = ChatClientFor(running, "chat-model");
        var messages = new List<OpenAI.Chat.ChatMessage> { new SystemChatMessage("Be brief."), new UserChatMessage("Hello!") };

        var streamed = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync(messages, new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 40 }))
        {
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }
        }

        ChatCompletion whole = await client.CompleteChatAsync(messages, new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 40 });
        var model = running.Served!.Model;
        var expected = model.Chat([Runtime.Chat.ChatMessage.System("Be brief."), Runtime.Chat.ChatMessage.User("Hello!")], new Runtime.Chat.ChatOptions { Temperature = 0, MaxNewTokens = 40 });

        Assert.Equal(expected.Text, streamed.ToString());
        Assert.Equal(expected.Text, whole.Content[0].Text);
        Assert.Equal(expected.Generation.Tokens.Count, whole.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task Microsoft_Extensions_AI_chats_through_the_OpenAI_adapter_streaming_and_not()
    {
        await using var running = await RunningServer.Start(RunningServer.Stories260K);
        IChatClient chat = ChatClientFor(running, "stories260K").AsIChatClient();
        var options = new AIChatOptions { Temperature = 0, MaxOutputTokens = 25 };
        var expected = Alone(running, "One day", 25);

        var response = await chat.GetResponseAsync([new AIChatMessage(AIChatRole.User, "One day")], options);
        var streamed = new StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync([new AIChatMessage(AIChatRole.User, "One day")], options))
        {
            streamed.Append(update.Text);
        }

        Assert.Equal(expected, response.Text);
        Assert.Equal(expected, streamed.ToString());
        Assert.Equal(25, response.Usage?.OutputTokenCount);
    }

    [Fact]
    public async Task The_OpenAI_embedding_client_gets_the_encoders_vectors()
    {
        await using var running = await RunningServer.Start(null, encoder: TestFolders.Encoder);
        var client = new EmbeddingClient("tiny-encoder", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = running.V1 });
        using var encoder = SentenceEncoder.Load(TestFolders.Encoder, new LoadOptions { Dtype = DType.Float32 });
        var expected = encoder.Encode(["a cat sat", "the dog ran far"]);

        OpenAIEmbeddingCollection embeddings = await client.GenerateEmbeddingsAsync(["a cat sat", "the dog ran far"]);

        Assert.Equal(2, embeddings.Count);
        for (var i = 0; i < 2; i++)
        {
            var vector = embeddings[i].ToFloats().ToArray();
            Assert.Equal(expected[i].Length, vector.Length);
            Assert.All(vector.Zip(expected[i]), pair => Assert.Equal(pair.Second, pair.First, 1e-5f));
        }

        Assert.True(embeddings.Usage.InputTokenCount > 0);
    }

    internal static ChatClient ChatClientFor(RunningServer running, string model, string key = "unused") =>
        new(model, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = running.V1, NetworkTimeout = TimeSpan.FromMinutes(2) });

    // The text the model gives alone (CausalLM.Chat, greedy), with the server's own formatter: what every route must return.
    internal static string Alone(RunningServer running, string user, int tokens) =>
        running.Served!.Model.Chat([Runtime.Chat.ChatMessage.User(user)], new Runtime.Chat.ChatOptions { Temperature = 0, MaxNewTokens = tokens }).Text;
}
