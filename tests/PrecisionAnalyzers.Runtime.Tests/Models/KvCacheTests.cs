using PrecisionAnalyzers.Runtime.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

public sealed class KvCacheTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(ModelTestData.Families), MemberType = typeof(ModelTestData))]
    public void Incremental_decoding_with_the_cache_equals_one_full_forward_pass(string family)
    {
        using var tiny = TinyModelFactory.Create(family);
        using var model = DecoderModel.Build(tiny.Config, tiny.WeightSource, DType.Float32);
        var prompt = ModelTestData.Prompt;
        using var all = ModelTestData.Ids(prompt);
        using var fullLogits = model.Forward(all);
        var full = ModelTestData.ToArray(fullLogits);

        // Prefill 3 tokens, then a chunk of 2, then one at a time — past the window of 4.
        using var cache = model.CreateCache()!;
        var chunks = new List<int[]> { prompt[..3], prompt[3..5] };
        chunks.AddRange(prompt[5..].Select(id => new[] { id }));
        var row = 0;
        var worst = 0.0;
        foreach (var chunk in chunks)
        {
            using var ids = ModelTestData.Ids(chunk);
            using var stepLogits = model.Forward(ids, cache);
            var step = ModelTestData.ToArray(stepLogits);
            for (var t = 0; t < chunk.Length; t++, row++)
            {
                for (var v = 0; v < step.GetLength(1); v++)
                {
                    worst = Math.Max(worst, Math.Abs(step[t, v] - full[row, v]));
                }
            }
        }

        output.WriteLine($"{family}: max |cached − full| = {worst:E2}; windows {string.Join(",", model.Windows)}");
        Assert.Equal(prompt.Length, cache.Length);
        Assert.True(worst < 2e-5, $"{family}: cached logits differ by {worst:E2}");
        for (var layer = 0; layer < model.Windows.Count; layer++)
        {
            var expectedHeld = model.Windows[layer] is { } window ? Math.Min(window, prompt.Length) : prompt.Length;
            Assert.Equal(expectedHeld, cache.HeldPositions(layer));
        }
    }

    [Fact]
    public void Sliding_layers_of_the_tiny_models_are_where_the_configs_put_them()
    {
        long? w = 4;
        AssertWindows("mistral", [w, w, w]);
        AssertWindows("qwen2", [null, w, w]);
        AssertWindows("gemma", [null, null, null]);
        AssertWindows("gemma2", [w, null, w]);
        AssertWindows("gemma3_text", [w, w, null]);

        static void AssertWindows(string family, long?[] expected)
        {
            using var tiny = TinyModelFactory.Create(family);
            using var model = DecoderModel.Build(tiny.Config, tiny.WeightSource, DType.Float32);
            Assert.Equal(expected, model.Windows);
        }
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gemma3_text")]
    public void The_cache_buffer_grows_past_its_first_capacity_without_changing_logits(string family)
    {
        using var tiny = TinyModelFactory.Create(family);
        using var model = DecoderModel.Build(tiny.Config, tiny.WeightSource, DType.Float32);
        var tokens = Enumerable.Range(0, 150).Select(i => (i * 37 + 11) % 96).ToArray();
        using var all = ModelTestData.Ids(tokens);
        using var fullLogits = model.Forward(all);
        var full = ModelTestData.ToArray(fullLogits);
        using var cache = model.CreateCache()!;
        using (var prefill = ModelTestData.Ids(tokens[..40]))
        using (var _ = model.Forward(prefill, cache))
        {
        }

        var worst = 0.0;
        for (var t = 40; t < tokens.Length; t++)
        {
            using var ids = ModelTestData.Ids([tokens[t]]);
            using var logits = model.Forward(ids, cache);
            var step = ModelTestData.ToArray(logits);
            for (var v = 0; v < step.GetLength(1); v++)
            {
                worst = Math.Max(worst, Math.Abs(step[0, v] - full[t, v]));
            }
        }

        Assert.True(worst < 5e-5, $"{family}: {worst:E2}");
        Assert.Equal(150, cache.Length);
    }
}
