using PrecisionAnalyzers.Runtime.Chat;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Tests.Shared;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

/// <summary>
/// <see cref="CausalLM.Generate"/> and <see cref="CausalLM.Chat"/> check prompt + new tokens against the context before any
/// tensor exists: refused with both numbers by default, stopped at the limit (PREC110) or the prompt cut (PREC109) on request.
/// </summary>
public sealed class ContextWindowTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("context-window-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // The tiny llama reads 256 positions.
    private static int[] Prompt(int length) => Enumerable.Range(0, length).Select(i => 3 + (i % 90)).ToArray();

    [Fact]
    public void A_prompt_past_the_context_is_refused_with_both_numbers_before_any_work()
    {
        using var tiny = TinyModelFactory.Create("llama");
        using var lm = CausalLM.FromWeights(tiny.Config, tiny.WeightSource, DType.Float32);
        var streamed = 0;

        // 10,000 tokens: run, the prefill's attention scores alone would take ~1.6 GB in this tiny model.
        var refused = Assert.Throws<ContextLengthException>(() => lm.Generate(Prompt(10_000), new GenerationOptions { MaxNewTokens = 8 }, _ => streamed++));

        Assert.Equal((10_000, 8, 256L), (refused.PromptTokens, refused.MaxNewTokens, refused.Context));
        Assert.Contains("10000 tokens", refused.Message, StringComparison.Ordinal);
        Assert.Contains("context of 256 tokens (max_position_embeddings)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, streamed);
    }

    [Fact]
    public void Too_many_new_tokens_for_a_prompt_that_fits_are_refused_and_say_how_many_fit()
    {
        using var tiny = TinyModelFactory.Create("llama");
        using var lm = CausalLM.FromWeights(tiny.Config, tiny.WeightSource, DType.Float32);

        var refused = Assert.Throws<ContextLengthException>(() => lm.Generate(Prompt(250), new GenerationOptions { MaxNewTokens = 10 }));

        Assert.Contains("at most 6 new tokens", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StopAtLimit_generates_until_the_context_is_full_and_warns_with_PREC110()
    {
        using var tiny = TinyModelFactory.Create("llama");
        using var lm = CausalLM.FromWeights(tiny.Config, tiny.WeightSource, DType.Float32);

        var result = lm.Generate(Prompt(250), new GenerationOptions { MaxNewTokens = 10, ContextOverflow = ContextOverflow.StopAtLimit });
        var fits = lm.Generate(Prompt(10), new GenerationOptions { MaxNewTokens = 10, ContextOverflow = ContextOverflow.StopAtLimit });

        Assert.Equal(6, result.Tokens.Count);
        Assert.Equal(StopReason.ContextLimit, result.StopReason);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(RuntimeCodes.ContextLimitReached, warning.Code);
        Assert.Contains("room for 6 of the 10", warning.Message, StringComparison.Ordinal);
        Assert.Equal(StopReason.MaxNewTokens, fits.StopReason);
        Assert.Empty(fits.Warnings);
    }

    [Fact]
    public void StopAtLimit_still_refuses_a_prompt_that_leaves_no_room()
    {
        using var tiny = TinyModelFactory.Create("llama");
        using var lm = CausalLM.FromWeights(tiny.Config, tiny.WeightSource, DType.Float32);

        Assert.Throws<ContextLengthException>(() => lm.Generate(Prompt(256), new GenerationOptions { MaxNewTokens = 1, ContextOverflow = ContextOverflow.StopAtLimit }));
    }

    [Fact]
    public void TruncatePrompt_keeps_the_prompts_end_with_PREC109()
    {
        using var tiny = TinyModelFactory.Create("llama");
        using var lm = CausalLM.FromWeights(tiny.Config, tiny.WeightSource, DType.Float32);
        var prompt = Prompt(300);

        var result = lm.Generate(prompt, new GenerationOptions { MaxNewTokens = 6, ContextOverflow = ContextOverflow.TruncatePrompt });

        Assert.Equal(prompt[^250..], result.PromptTokens);
        Assert.Equal(6, result.Tokens.Count);
        Assert.Equal(RuntimeCodes.InputTruncated, Assert.Single(result.Warnings).Code);
    }

    [Fact]
    public void Chat_is_checked_too_and_stops_at_the_limit_by_default()
    {
        var folder = ChatModelFixture.Write(Path.Combine(_root, "chat"));
        using var lm = CausalLM.Load(folder, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
        var longMessage = string.Concat(Enumerable.Repeat("hello ", 60));

        var refused = Assert.Throws<ContextLengthException>(() => lm.Chat([ChatMessage.User(longMessage)], new ChatOptions { MaxNewTokens = 400, Temperature = 0, ContextOverflow = ContextOverflow.Refuse }));
        var stopped = lm.Chat([ChatMessage.User("hello")], new ChatOptions { MaxNewTokens = 400, Temperature = 0 });
        var tooLong = Assert.Throws<ContextLengthException>(() => lm.Chat([ChatMessage.User(string.Concat(Enumerable.Repeat("hello ", 200)))], new ChatOptions { MaxNewTokens = 4 }));

        Assert.Equal(400, refused.MaxNewTokens);
        Assert.True(stopped.Prompt.TokenIds.Count + stopped.Generation.Tokens.Count <= 256);
        Assert.True(stopped.Generation.StopReason != StopReason.MaxNewTokens, stopped.Generation.StopReason.ToString());
        Assert.True(tooLong.PromptTokens > 256);
    }

    [Fact]
    public void The_limit_is_max_position_embeddings_or_what_rope_scaling_extends_it_to()
    {
        var plain = ModelConfig.Parse("""{"model_type":"llama","hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":10,"max_position_embeddings":2048}""", "plain");
        var scaled = ModelConfig.Parse("""{"model_type":"llama","hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":10,"max_position_embeddings":4096,"rope_scaling":{"rope_type":"llama3","factor":8.0,"original_max_position_embeddings":8192}}""", "scaled");
        var unknown = ModelConfig.Parse("""{"model_type":"llama","hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":10}""", "unknown");

        Assert.Equal(2048, ContextWindow.Limit(plain));
        Assert.Equal(65536, ContextWindow.Limit(scaled));
        Assert.Contains("RoPE scaling", ContextWindow.Source(scaled), StringComparison.Ordinal);
        Assert.Null(ContextWindow.Limit(unknown));
        Assert.Equal(1_000_000, ContextWindow.Allowed(unknown, 10, 1_000_000, ContextOverflow.Refuse));
    }

    [Fact]
    public void NaN_weights_in_float32_end_in_PREC104_as_no_dtype_is_safer()
    {
        using var tiny = TinyModelFactory.Create("llama");
        tiny.Weights["model.layers.0.mlp.down_proj.weight"].fill_(float.NaN);
        using var lm = CausalLM.FromWeights(tiny.Config, tiny.WeightSource, DType.Float32);

        var failure = Assert.Throws<NonFiniteActivationsException>(() => lm.Generate([1, 2, 3], new GenerationOptions { MaxNewTokens = 2 }));

        Assert.Equal(RuntimeCodes.NonFiniteActivations, failure.Code);
        Assert.Equal(DType.Float32, failure.Dtype);
        Assert.Equal(0, failure.Layer);
    }

    [Fact]
    public void The_guards_throw_policy_ends_in_PREC104_instead_of_falling_back()
    {
        using var tiny = TinyModelFactory.Create("gemma3_text", new TinyModelOptions { Fp16Overflow = true, Dtype = DType.BFloat16 });
        using var lm = CausalLM.FromWeights(tiny.Config, tiny.WeightSource, DType.Float16, overflowGuard: new OverflowGuardOptions { Policy = OverflowPolicy.Throw });

        var failure = Assert.Throws<NonFiniteActivationsException>(() => lm.Generate([5, 6, 7], new GenerationOptions { MaxNewTokens = 2 }));

        Assert.Equal(DType.Float16, failure.Dtype);
        Assert.Contains("65504", failure.Message, StringComparison.Ordinal);
    }
}
