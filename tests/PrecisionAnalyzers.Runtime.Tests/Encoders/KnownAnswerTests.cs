using PrecisionAnalyzers.Runtime.Encoders;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Encoders;

public class KnownAnswerTests
{
    public static TheoryData<string> Families() => new("bert", "roberta", "xlm-roberta");

    [Theory]
    [MemberData(nameof(Families))]
    public void Forward_matches_the_plain_array_reference_for_each_text_of_a_padded_batch(string family)
    {
        using var tiny = TinyEncoderFactory.Create(new TinyEncoderOptions { Family = family, Layers = 2 });
        var reference = new ReferenceEncoder(tiny);
        using var model = BertEncoder.Build(tiny.Config, tiny.Source, DType.Float32);
        int[][] texts = [[2, 40, 41, 42, 43, 44, 3], [2, 50, 3], [2, 60, 61, 62, 3]];
        var length = texts.Max(t => t.Length);
        var ids = texts.SelectMany(t => t.Concat(Enumerable.Repeat(0, length - t.Length))).Select(i => (long)i).ToArray();
        var mask = texts.SelectMany(t => Enumerable.Repeat(1L, t.Length).Concat(Enumerable.Repeat(0L, length - t.Length))).ToArray();
        using var idTensor = tensor(ids, [texts.Length, length]);
        using var maskTensor = tensor(mask, [texts.Length, length]);

        using var output = model.Forward(idTensor, maskTensor);

        var actual = output.data<float>().ToArray();
        var hidden = (int)tiny.Config.Model.HiddenSize;
        for (var b = 0; b < texts.Length; b++)
        {
            var expected = reference.Forward(texts[b]);
            for (var t = 0; t < texts[b].Length; t++)
            {
                for (var j = 0; j < hidden; j++)
                {
                    var got = actual[((b * length) + t) * hidden + j];
                    Assert.True(Math.Abs(expected[t][j] - got) < 1e-4, $"{family} text {b} token {t} dim {j}: reference {expected[t][j]}, encoder {got}");
                }
            }
        }
    }

    [Fact]
    public void Reference_gelu_is_the_exact_erf_form()
    {
        // Values of x·Φ(x) from the normal distribution table.
        Assert.Equal(0.8413447, ReferenceEncoder.Gelu(1.0), 6);
        Assert.Equal(-0.0455003, ReferenceEncoder.Gelu(-2.0), 6);
    }

    [Fact]
    public void Weights_with_the_family_prefix_give_the_same_output()
    {
        using var plain = TinyEncoderFactory.Create();
        using var prefixed = TinyEncoderFactory.Create(new TinyEncoderOptions { PrefixedNames = true });
        Assert.Contains("bert.embeddings.word_embeddings.weight", prefixed.Weights.Keys);
        using var a = BertEncoder.Build(plain.Config, plain.Source, DType.Float32);
        using var b = BertEncoder.Build(prefixed.Config, prefixed.Source, DType.Float32);
        using var ids = tensor(new long[] { 2, 40, 41, 3 }, [1, 4]);
        using var mask = ones_like(ids);
        using var x = a.Forward(ids, mask);
        using var y = b.Forward(ids, mask);
        Assert.Equal(x.data<float>().ToArray(), y.data<float>().ToArray());
    }
}
