using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Planning;

namespace PrecisionAnalyzers.Runtime.Tests.Planning;

public sealed class ParameterCounterTests
{
    [Theory]
    [MemberData(nameof(PublishedConfigs.All), MemberType = typeof(PublishedConfigs))]
    public void Counts_published_checkpoints_within_one_percent(string checkpoint, string json, long published)
    {
        var count = ParameterCounter.Count(ModelConfig.Parse(json, checkpoint)).Total;

        var error = Math.Abs(count - published) / (double)published;
        Assert.True(error < 0.01, $"{checkpoint}: counted {count:N0}, published {published:N0} ({error:P3} off)");
    }

    [Fact]
    public void Tied_embeddings_have_no_separate_head()
    {
        const string untied = """{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":1000,"tie_word_embeddings":false}""";
        var tied = untied.Replace("\"tie_word_embeddings\":false", "\"tie_word_embeddings\":true", StringComparison.Ordinal);

        var a = ParameterCounter.Count(ModelConfig.Parse(untied));
        var b = ParameterCounter.Count(ModelConfig.Parse(tied));

        Assert.Equal(64 * 1000, a.LmHead);
        Assert.Equal(0, b.LmHead);
        Assert.Equal(a.Total - (64 * 1000), b.Total);
    }

    [Fact]
    public void Sizes_that_overflow_are_a_model_no_machine_can_hold()
    {
        const string json = """{"model_type":"llama","hidden_size":1000000000000,"intermediate_size":1000000000000,"num_hidden_layers":1000000,"num_attention_heads":1,"vocab_size":1000000000}""";

        // Valid but impossibly large: "cannot run" (PREC103, exit 3), not bad input.
        var error = Assert.Throws<PrecisionAnalyzers.Runtime.Diagnostics.PrecisionException>(() => ParameterCounter.Count(ModelConfig.Parse(json)));
        Assert.Equal("PREC103", error.Code);
        Assert.Contains("2^63", error.Message, StringComparison.Ordinal);
    }
}
