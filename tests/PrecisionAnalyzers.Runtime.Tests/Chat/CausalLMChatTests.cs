using PrecisionAnalyzers.Runtime.Chat;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Tests.Shared;

namespace PrecisionAnalyzers.Runtime.Tests.Chat;

/// <summary><see cref="CausalLM.Chat"/> and <see cref="ChatFormatter"/> on a tiny llama with SmolLM2's real template.</summary>
public sealed class CausalLMChatTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("causal-chat-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Folder(string name, string? template = ChatModelFixture.SmolLM2Template, string? generationConfig = null, bool addBos = false) =>
        ChatModelFixture.Write(Path.Combine(_root, name), template, generationConfig, addBos);

    [Fact]
    public void The_prompt_is_the_rendered_template_with_chatml_tokens_as_single_ids()
    {
        var formatter = ChatFormatter.Load(Folder("plain"));

        var prompt = formatter.Format([ChatMessage.System("hello"), ChatMessage.User("hello")]);

        Assert.Equal("<|im_start|>system\nhello<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n", prompt.Text);
        Assert.Equal(ChatModelFixture.ImStart, prompt.TokenIds[0]);
        Assert.Equal((3, 2), (prompt.TokenIds.Count(id => id == ChatModelFixture.ImStart), prompt.TokenIds.Count(id => id == ChatModelFixture.ImEnd)));
        Assert.DoesNotContain(ChatModelFixture.Bos, prompt.TokenIds);
        Assert.Equal(prompt.Text, formatter.Tokenizer.Decode(prompt.TokenIds, includeSpecialTokens: true));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_template_that_writes_bos_gets_exactly_one(bool tokenizerAddsBos)
    {
        var formatter = ChatFormatter.Load(Folder("bos" + tokenizerAddsBos, "{{ bos_token }}{{ messages[0].content }}", addBos: tokenizerAddsBos));

        var ids = formatter.Format([ChatMessage.User("hello")]).TokenIds;

        Assert.Equal(ChatModelFixture.Bos, ids[0]);
        Assert.Single(ids, id => id == ChatModelFixture.Bos);
        Assert.Equal(259, ids[1]); // "hello" is one merge of the fixture
    }

    [Fact]
    public void A_template_without_bos_gets_none_even_when_the_tokenizer_adds_it()
    {
        var formatter = ChatFormatter.Load(Folder("no-bos", addBos: true));
        Assert.True(formatter.Tokenizer.SpecialTokens.AddBos);

        var ids = formatter.Format([ChatMessage.User("hello")]).TokenIds;

        Assert.DoesNotContain(ChatModelFixture.Bos, ids);
    }

    [Fact]
    public void Stop_tokens_are_every_eos_id_and_the_templates_end_of_turn()
    {
        var formatter = ChatFormatter.Load(Folder("stops", generationConfig: """{"eos_token_id": [262, 100]}"""));

        Assert.Equal(["<|im_end|>"], formatter.Template.EndOfTurnTokens);
        Assert.Equal(new[] { 100, 262, ChatModelFixture.ImEnd }, formatter.StopTokenIds.Order());
    }

    [Fact]
    public void Sampling_defaults_come_from_generation_config_unless_overridden()
    {
        var formatter = ChatFormatter.Load(Folder("sampling", generationConfig: """{"do_sample": true, "temperature": 0.6, "top_p": 0.9, "top_k": 20, "eos_token_id": 262}"""));

        var defaults = formatter.GenerationOptions(null);
        var overridden = formatter.GenerationOptions(new ChatOptions { Temperature = 0.2, TopK = 5, MaxNewTokens = 7 });
        var greedy = formatter.GenerationOptions(new ChatOptions { Temperature = 0 });

        Assert.Equal((0.6, 0.9, 20), (defaults.Temperature, defaults.TopP!.Value, defaults.TopK!.Value));
        Assert.Equal((0.2, 0.9, 5, 7), (overridden.Temperature, overridden.TopP!.Value, overridden.TopK!.Value, overridden.MaxNewTokens));
        Assert.Equal((0.0, (double?)null, (int?)null), (greedy.Temperature, greedy.TopP, greedy.TopK));
        Assert.Contains(ChatModelFixture.ImEnd, defaults.StopTokenIds);
    }

    [Fact]
    public void Without_do_sample_decoding_is_greedy_as_in_transformers()
    {
        var formatter = ChatFormatter.Load(Folder("greedy", generationConfig: """{"temperature": 0.6, "top_p": 0.9}"""));

        var options = formatter.GenerationOptions(null);

        Assert.Equal(0, options.Temperature);
        Assert.Null(options.TopP);
    }

    [Fact]
    public void Chat_streams_the_answer_and_stops_on_a_generation_config_eos_id()
    {
        var plain = Folder("first");
        int first;
        using (var probe = CausalLM.Load(plain, new LoadOptions { Dtype = DType.Float32, Device = "cpu" }))
        {
            var greedy = probe.Chat([ChatMessage.User("hello")], new ChatOptions { MaxNewTokens = 3, Temperature = 0 });
            first = greedy.Generation.Tokens[0];
        }

        // The same weights with the first greedy token as generation_config's eos: the answer stops right there.
        var folder = Folder("stop-at-first", generationConfig: $$"""{"eos_token_id": [262, {{first}}]}""");
        using var model = CausalLM.Load(folder, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
        var streamed = new List<ChatToken>();

        var result = model.Chat([ChatMessage.User("hello")], new ChatOptions { MaxNewTokens = 8, Temperature = 0 }, streamed.Add);

        Assert.Equal(StopReason.StopToken, result.Generation.StopReason);
        Assert.Equal([first], result.Generation.Tokens);
        Assert.Single(streamed);
        Assert.Equal(result.Prompt.TokenIds, result.Generation.PromptTokens);
        Assert.Equal("assistant", result.Append([ChatMessage.User("hello")])[^1].Role);
    }

    [Fact]
    public void Cancelling_stops_the_answer()
    {
        using var model = CausalLM.Load(Folder("cancel", generationConfig: "{}"), new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
        using var cancellation = new CancellationTokenSource();
        var count = 0;

        Assert.ThrowsAny<OperationCanceledException>(() => model.Chat([ChatMessage.User("hello")], new ChatOptions { MaxNewTokens = 50, Temperature = 0 }, _ =>
        {
            if (++count == 2)
            {
                cancellation.Cancel();
            }
        }, cancellation.Token));
        Assert.InRange(count, 2, 3);
    }

    [Fact]
    public void A_model_without_a_template_says_so()
    {
        using var model = CausalLM.Load(Folder("no-template", template: null), new LoadOptions { Dtype = DType.Float32, Device = "cpu" });

        var e = Assert.Throws<ChatTemplateException>(() => model.Chat([ChatMessage.User("hello")]));

        Assert.Contains("no chat template", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_raising_template_fails_before_generating()
    {
        var gemma = "{% for m in messages %}{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% endfor %}";
        using var model = CausalLM.Load(Folder("raises", gemma), new LoadOptions { Dtype = DType.Float32, Device = "cpu" });

        var e = Assert.Throws<ChatTemplateException>(() => model.Chat([ChatMessage.User("a"), ChatMessage.User("b")]));

        Assert.True(e.IsRaisedByTemplate);
    }
}
