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
    public void Full_attention_keys_change_shape_once_in_128_positions_with_zeros_past_the_last()
    {
        // One shape per decode step made libtorch's BF16 CPU matmuls (oneDNN) keep code for every length: RSS grew ~0.5 MB a token.
        using var layer = new LayerKvCache(window: null);
        var shapes = new HashSet<long>();
        for (var position = 0; position < 300; position++)
        {
            using var scope = NewDisposeScope();
            using var key = full(new long[] { 1, 2, 1, 8 }, position + 1f);
            var (keys, values, first) = layer.Append(key, key);
            shapes.Add(keys.shape[2]);
            Assert.Equal(0, first);
            Assert.Equal(position + 1f, keys[0, 0, position, 0].item<float>());
            Assert.Equal(0f, keys.narrow(2, position + 1, keys.shape[2] - position - 1).abs().sum().item<float>());
            Assert.Equal(0f, values.narrow(2, position + 1, values.shape[2] - position - 1).abs().sum().item<float>());
        }

        Assert.Equal(new long[] { 128, 256, 384 }, shapes.Order());
        Assert.Equal(300, layer.Count);
    }

    [Theory]
    [InlineData(DType.Float32, 2e-5)]
    [InlineData(DType.BFloat16, 0.25)]
    public void Decoding_past_a_128_position_step_matches_the_full_pass(DType dtype, double tolerance)
    {
        using var tiny = TinyModelFactory.Create("llama");
        using var model = DecoderModel.Build(tiny.Config, tiny.WeightSource, dtype);
        var prompt = Enumerable.Range(0, 140).Select(i => 3 + (i * 7 % 90)).ToArray();
        using var all = ModelTestData.Ids(prompt);
        using var fullLogits = model.Forward(all);
        var full = ModelTestData.ToArray(fullLogits);
        using var cache = model.CreateCache()!;
        using (var prefill = ModelTestData.Ids(prompt[..120]))
        using (model.Forward(prefill, cache))
        {
        }

        var worst = 0.0;
        for (var t = 120; t < prompt.Length; t++)
        {
            using var ids = ModelTestData.Ids([prompt[t]]);
            using var stepLogits = model.Forward(ids, cache);
            var step = ModelTestData.ToArray(stepLogits);
            for (var v = 0; v < step.GetLength(1); v++)
            {
                worst = Math.Max(worst, Math.Abs(step[0, v] - full[t, v]));
            }
        }

        output.WriteLine($"{dtype}: max |cached − full| across positions 120–139 = {worst:E2}");
        Assert.True(worst < tolerance, $"{dtype}: cached logits differ by {worst:E2}");
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
