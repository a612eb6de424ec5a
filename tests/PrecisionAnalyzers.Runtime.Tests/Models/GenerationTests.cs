using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

public sealed class GenerationTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(ModelTestData.Families), MemberType = typeof(ModelTestData))]
    public void Greedy_generation_with_and_without_the_cache_gives_the_same_tokens(string family)
    {
        using var tiny = TinyModelFactory.Create(family);
        using var runner = new DecoderRunner(tiny.Config, tiny.WeightSource, DType.Float32);
        var options = new GenerationOptions { MaxNewTokens = 10, CaptureLogits = true };
        var cached = runner.Generate(ModelTestData.Prompt[..4], options);
        runner.UseCache = false;
        var uncached = runner.Generate(ModelTestData.Prompt[..4], options);

        Assert.True(cached.UsedCache);
        Assert.False(uncached.UsedCache);
        Assert.Equal(uncached.Tokens, cached.Tokens);
        Assert.Equal(10, cached.Tokens.Count);
        Assert.Equal(10, cached.Logits!.Count);
        for (var i = 0; i < cached.Tokens.Count; i++)
        {
            Assert.Equal(Sampler.ArgMax(cached.Logits[i]), cached.Tokens[i]);
        }

        output.WriteLine($"{family}: {string.Join(",", cached.Tokens)}; prefill {cached.PrefillTokensPerSecond:F0} tok/s, decode {cached.DecodeTokensPerSecond:F0} tok/s");
    }

    [Fact]
    public void Sampling_is_reproducible_with_a_seed_and_varies_without_one()
    {
        using var tiny = TinyModelFactory.Create("llama");
        using var runner = new DecoderRunner(tiny.Config, tiny.WeightSource, DType.Float32);
        GenerationOptions Options(int seed) => new() { MaxNewTokens = 12, Temperature = 1.5, TopK = 40, TopP = 0.95, Seed = seed };
        var a = runner.Generate([1, 2, 3], Options(7)).Tokens;
        var b = runner.Generate([1, 2, 3], Options(7)).Tokens;
        var c = runner.Generate([1, 2, 3], Options(8)).Tokens;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Sampler_respects_top_k_and_top_p()
    {
        float[] logits = [0f, 5f, 4.9f, -3f, 1f];
        var topK = new Sampler(temperature: 1, topK: 2, seed: 1);
        var topP = new Sampler(temperature: 1, topP: 0.5, seed: 1);
        for (var i = 0; i < 200; i++)
        {
            Assert.Contains(topK.Next(logits), new[] { 1, 2 });
            Assert.Equal(1, topP.Next(logits));
        }

        Assert.Equal(1, new Sampler().Next(logits));
    }

    [Fact]
    public void Generation_stops_at_a_stop_token_and_streams_every_token()
    {
        using var tiny = TinyModelFactory.Create("gemma2");
        using var runner = new DecoderRunner(tiny.Config, tiny.WeightSource, DType.Float32);
        var free = runner.Generate([1, 5, 9], new GenerationOptions { MaxNewTokens = 8 });
        var stop = free.Tokens[3];
        var streamed = new List<GeneratedToken>();
        var stopped = runner.Generate([1, 5, 9], new GenerationOptions { MaxNewTokens = 8, StopTokenIds = [stop] }, streamed.Add);

        var firstStop = free.Tokens.ToList().IndexOf(stop);
        Assert.Equal(StopReason.StopToken, stopped.StopReason);
        Assert.Equal(free.Tokens.Take(firstStop + 1), stopped.Tokens);
        Assert.Equal(stopped.Tokens, streamed.Select(t => t.TokenId));
        Assert.Equal(Enumerable.Range(0, streamed.Count), streamed.Select(t => t.Index));
        Assert.Equal(StopReason.MaxNewTokens, free.StopReason);
    }

    [Fact]
    public void Cancellation_stops_generation()
    {
        using var tiny = TinyModelFactory.Create("mistral");
        using var runner = new DecoderRunner(tiny.Config, tiny.WeightSource, DType.Float32);
        using var cancel = new CancellationTokenSource();
        var seen = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => runner.Generate([1, 2], new GenerationOptions { MaxNewTokens = 50 }, _ =>
        {
            if (++seen == 3)
            {
                cancel.Cancel();
            }
        }, cancel.Token));
        Assert.Equal(3, seen);
    }

    [Fact]
    public void Training_mode_never_builds_a_cache_and_warns_with_PREC105()
    {
        using var tiny = TinyModelFactory.Create("gemma3_text");
        using var runner = new DecoderRunner(tiny.Config, tiny.WeightSource, DType.Float32);
        var eval = runner.Generate([4, 5, 6], new GenerationOptions { MaxNewTokens = 5 });
        runner.Train();
        var train = runner.Generate([4, 5, 6], new GenerationOptions { MaxNewTokens = 5 });

        Assert.False(train.UsedCache);
        var warning = Assert.Single(train.Warnings);
        Assert.Equal(RuntimeCodes.CacheDisabledForTraining, warning.Code);
        Assert.Equal(eval.Tokens, train.Tokens);
        Assert.Null(runner.Model.CreateCache());
        runner.Eval();
        Assert.NotNull(runner.Model.CreateCache(new List<PrecisionWarning>()));
    }

    [Fact]
    public void Live_tensors_stay_flat_across_generations_and_steps()
    {
        using var tiny = TinyModelFactory.Create("gemma3_text");
        using var runner = new DecoderRunner(tiny.Config, tiny.WeightSource, DType.Float32);
        runner.Generate([1, 2, 3], new GenerationOptions { MaxNewTokens = 4 });
        var statistics = TorchSharp.DisposeScopeManager.Statistics;

        var before = statistics.ThreadTotalLiveCount;
        var counts = new List<long>();
        runner.Generate([1, 2, 3], new GenerationOptions { MaxNewTokens = 20 }, _ => counts.Add(statistics.ThreadTotalLiveCount));
        var after = statistics.ThreadTotalLiveCount;

        output.WriteLine($"live before {before}, per step {string.Join(",", counts.Distinct())}, after {after}");
        Assert.Equal(before, after);
        Assert.Single(counts.Skip(1).Distinct()); // each decode step holds the same number (the cache replaces, not grows)
    }

    [Fact]
    public void Prompt_ids_outside_the_vocabulary_are_rejected()
    {
        using var tiny = TinyModelFactory.Create("llama");
        using var runner = new DecoderRunner(tiny.Config, tiny.WeightSource, DType.Float32);
        Assert.Throws<ArgumentException>(() => runner.Generate([1, 96]));
        Assert.Throws<ArgumentException>(() => runner.Generate([]));
    }
}
