using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Encoders;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Tests.RealModels;

namespace PrecisionAnalyzers.Runtime.Tests.Encoders;

/// <summary>Inputs longer than the model takes are cut, and the runtime says so with the lengths (PREC109).</summary>
public sealed class TruncationTests : IDisposable
{
    private readonly string _folder = EncoderTestData.NewFolder();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Embed_reports_each_text_longer_than_max_seq_length_with_its_lengths()
    {
        TinyEncoderFactory.WriteFolder(_folder, new TinyEncoderOptions { MaxSeqLength = 16 });
        using var encoder = EncoderTestData.Load(_folder);
        var longText = string.Join(' ', Enumerable.Repeat("a b c", 20));

        var result = encoder.Embed(["short", longText, "also short"]);

        Assert.Equal(16, encoder.MaxTokens);
        Assert.Equal("max_seq_length", encoder.MaxTokensSource);
        var cut = Assert.Single(result.Truncated);
        Assert.Equal(1, cut.Index);
        Assert.True(cut.InputTokens > 16, $"input of {cut.InputTokens} tokens");
        Assert.Equal(16, cut.Limit);
        Assert.Equal(16, cut.KeptTokens);
        Assert.False(cut.KeptEnd);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(RuntimeCodes.InputTruncated, warning.Code);
        Assert.Contains($"{cut.InputTokens} tokens", warning.Message, StringComparison.Ordinal);
        Assert.Equal(encoder.Encode(["short", longText, "also short"]), result.Embeddings);
    }

    [Fact]
    public void A_prompt_that_fits_with_the_answer_is_left_alone_and_a_longer_one_keeps_its_end()
    {
        using var model = CausalLM.Load(Stories260K.Folder, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
        var prompt = Enumerable.Range(0, 600).Select(i => 3 + i % 500).ToArray();

        var same = model.FitToContext(prompt[..100], 32, out var none);
        var fitted = model.FitToContext(prompt, 32, out var truncation);

        Assert.Equal(512, model.ContextLength);
        Assert.Null(none);
        Assert.Equal(prompt[..100], same);
        Assert.NotNull(truncation);
        Assert.Equal(600, truncation.InputTokens);
        Assert.Equal(512, truncation.Limit);
        Assert.Equal(480, truncation.KeptTokens);
        Assert.True(truncation.KeptEnd);
        Assert.Equal(prompt[^480..], fitted);
        Assert.Equal(RuntimeCodes.InputTruncated, truncation.ToWarning("the prompt").Code);
        Assert.Throws<ContextLengthException>(() => model.FitToContext(prompt[..10], 512, out _));
    }
}
