using PrecisionAnalyzers.Runtime.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

/// <summary>The TorchSharp decoder in FP32 against <see cref="ReferenceDecoder"/> (double loops of the published equations).</summary>
public sealed class KnownAnswerTests(ITestOutputHelper output)
{
    // FP32 against double: errors grow with depth and vocabulary sums; observed maxima are 0.6–2.7e-6 relative.
    private const double Tolerance = 2e-5;

    [Theory]
    [MemberData(nameof(ModelTestData.Families), MemberType = typeof(ModelTestData))]
    public void Float32_logits_match_the_plain_array_reference(string family)
    {
        using var tiny = TinyModelFactory.Create(family);
        using var model = DecoderModel.Build(tiny.Config, tiny.WeightSource, DType.Float32);
        using var ids = ModelTestData.Ids(ModelTestData.Prompt);
        using var logits = model.Forward(ids);
        var actual = ModelTestData.ToArray(logits);
        var expected = new ReferenceDecoder(tiny).Logits(ModelTestData.Prompt);

        var worst = 0.0;
        var scale = 0.0;
        for (var t = 0; t < expected.Length; t++)
        {
            for (var v = 0; v < expected[t].Length; v++)
            {
                scale = Math.Max(scale, Math.Abs(expected[t][v]));
                worst = Math.Max(worst, Math.Abs(actual[t, v] - expected[t][v]) / (1 + Math.Abs(expected[t][v])));
            }
        }

        output.WriteLine($"{family}: max relative error {worst:E2}, max |logit| {scale:F3}");
        Assert.True(scale > 0.1, "the logits are degenerate; the comparison would prove little");
        Assert.True(worst < Tolerance, $"{family}: max error {worst:E2} ≥ {Tolerance:E0}");
    }
}
