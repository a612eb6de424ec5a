using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Quantization;
using PrecisionAnalyzers.Runtime.Tests.RealModels;
using Xunit.Abstractions;

namespace PrecisionAnalyzers.Runtime.Tests.Quantization;

/// <summary>
/// Real weights (stories260K) quantized at load time against the same model in FP32, on a fixed story
/// (tests/fixtures/quantization/heldout-story.txt, teacher-forced). Thresholds carry a wide margin below what was measured (docs/quantization.md)
/// yet far above what a broken kernel or a mis-packed nibble gives (agreement near chance, KL of several nats).
/// </summary>
public sealed class Stories260KQuantizationTests(ITestOutputHelper output)
{
    private static readonly Stories260K Known = Stories260K.Load();

    [Theory]
    [InlineData(WeightQuantization.Int8, false, 0.95, 0.01)]
    [InlineData(WeightQuantization.Int8, true, 0.95, 0.01)]
    [InlineData(WeightQuantization.Int4, false, 0.75, 0.15)]
    public void Quantized_next_token_distributions_stay_close_to_float32(WeightQuantization format, bool head, double minimumAgreement, double maximumKl)
    {
        var tokens = HeldOutStory();
        using var reference = CausalLM.Load(Stories260K.Folder, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
        using var quantized = CausalLM.Load(Stories260K.Folder, new LoadOptions { Dtype = DType.Float32, Device = "cpu", Quantization = format, QuantizeLmHead = head });

        var accuracy = QuantizationAccuracy.Measure(reference.Model, quantized.Model, tokens);

        output.WriteLine($"{format}{(head ? " with the tied embedding/head" : "")}: {accuracy}");
        Assert.Equal(head, quantized.Model.QuantizedLmHead);
        Assert.Equal(format, quantized.Quantization);
        Assert.Equal(format, quantized.Plan!.Quantization);
        Assert.True(accuracy.Positions >= 100, $"only {accuracy.Positions} positions");
        Assert.True(accuracy.Top1Agreement >= minimumAgreement, $"{format}: top-1 agreement {accuracy.Top1Agreement:P1} < {minimumAgreement:P0}");
        Assert.True(accuracy.MeanKlDivergence <= maximumKl, $"{format}: mean KL {accuracy.MeanKlDivergence:E2} > {maximumKl}");
        Assert.True(accuracy.CandidatePerplexity < accuracy.ReferencePerplexity * (format == WeightQuantization.Int8 ? 1.03 : 1.3), $"perplexity {accuracy.ReferencePerplexity:F3} → {accuracy.CandidatePerplexity:F3}");
    }

    /// <summary>tests/fixtures/quantization/heldout-story.txt in stories260K's tokens, with BOS.</summary>
    internal static int[] HeldOutStory()
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "quantization", "heldout-story.txt")).Trim();
        return [1, .. PrecisionAnalyzers.Runtime.Tokenization.CheckpointTokenizer.Load(Stories260K.Folder).Encode(text)];
    }

    [Fact]
    public void Int8_greedy_decoding_decodes_with_the_kernel_and_stays_on_the_published_story_for_a_while()
    {
        using var model = CausalLM.Load(Stories260K.Folder, new LoadOptions { Dtype = DType.Float32, Device = "cpu", Quantization = WeightQuantization.Int8 });
        var result = model.Generate(Known.PromptIds, new GenerationOptions { MaxNewTokens = 64, StopTokenIds = [Stories260K.StoryEnd] });

        var agreed = result.Tokens.Zip(Known.ContinuationIds).TakeWhile(pair => pair.First == pair.Second).Count();
        output.WriteLine($"int8 follows the published ids for {agreed} of {Math.Min(result.Tokens.Count, Known.ContinuationIds.Length)} tokens");
        Assert.True(agreed >= 20, $"int8 left the published story after {agreed} tokens");
    }

    [Fact]
    public void A_quantized_base_refuses_training_with_the_reason()
    {
        using var model = CausalLM.Load(Stories260K.Folder, new LoadOptions { Dtype = DType.Float32, Device = "cpu", Quantization = WeightQuantization.Int4 });

        var error = Assert.Throws<NotSupportedException>(() => model.AddLora(new Adapters.LoraOptions()));
        Assert.Contains("QLoRA", error.Message, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(model.Train);
    }

    [Fact]
    public void Quantized_weights_take_the_bytes_the_planner_counts()
    {
        using var model = CausalLM.Load(Stories260K.Folder, new LoadOptions { Dtype = DType.Float32, Device = "cpu", Quantization = WeightQuantization.Int8 });
        using var full = CausalLM.Load(Stories260K.Folder, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });

        Assert.Equal(model.Plan!.QuantizedWeightBytes[WeightQuantization.Int8], model.Model.WeightBytes);
        Assert.Equal(full.Plan!.WeightBytes[DType.Float32], full.Model.WeightBytes);
        Assert.True(model.Model.WeightBytes < full.Model.WeightBytes);
    }
}
