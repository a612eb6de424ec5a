using PrecisionAnalyzers.Runtime.Encoders;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Encoders;

/// <summary>
/// BERT's published equations over plain double arrays, independent of the TorchSharp encoder: word + position +
/// token-type-0 embeddings, LayerNorm, then per layer multi-head attention (softmax over all tokens of one unpadded
/// text), residual + LayerNorm, exact-erf GELU feed-forward, residual + LayerNorm. RoBERTa positions start at pad + 1.
/// </summary>
internal sealed class ReferenceEncoder
{
    private readonly EncoderConfig _c;
    private readonly Dictionary<string, double[]> _w = new(StringComparer.Ordinal);

    public ReferenceEncoder(TinyEncoder model)
    {
        _c = model.Config;
        foreach (var (name, t) in model.Weights)
        {
            using var f = t.to_type(ScalarType.Float64);
            _w[name] = f.data<double>().ToArray();
        }
    }

    private int H => (int)_c.Model.HiddenSize;

    /// <summary>Token embeddings [tokens][hidden] of one text.</summary>
    public double[][] Forward(int[] tokens)
    {
        var h = H;
        var firstPosition = _c.Family.PositionsAfterPadding ? (int)_c.PadTokenId + 1 : 0;
        var x = new double[tokens.Length][];
        for (var t = 0; t < tokens.Length; t++)
        {
            x[t] = new double[h];
            for (var j = 0; j < h; j++)
            {
                x[t][j] = _w["embeddings.word_embeddings.weight"][tokens[t] * h + j]
                    + _w["embeddings.position_embeddings.weight"][(firstPosition + t) * h + j]
                    + _w["embeddings.token_type_embeddings.weight"][j];
            }

            x[t] = Norm(x[t], "embeddings.LayerNorm");
        }

        for (var layer = 0; layer < _c.Model.NumHiddenLayers; layer++)
        {
            string L(string name) => $"encoder.layer.{layer}.{name}";
            var q = x.Select(v => Linear(v, L("attention.self.query"))).ToArray();
            var k = x.Select(v => Linear(v, L("attention.self.key"))).ToArray();
            var v = x.Select(v => Linear(v, L("attention.self.value"))).ToArray();
            var heads = (int)_c.Model.NumAttentionHeads;
            var d = h / heads;
            var context = tokens.Select(_ => new double[h]).ToArray();
            for (var head = 0; head < heads; head++)
            {
                for (var i = 0; i < tokens.Length; i++)
                {
                    var scores = new double[tokens.Length];
                    for (var j = 0; j < tokens.Length; j++)
                    {
                        for (var e = 0; e < d; e++)
                        {
                            scores[j] += q[i][head * d + e] * k[j][head * d + e];
                        }

                        scores[j] /= Math.Sqrt(d);
                    }

                    var max = scores.Max();
                    var exp = scores.Select(s => Math.Exp(s - max)).ToArray();
                    var sum = exp.Sum();
                    for (var j = 0; j < tokens.Length; j++)
                    {
                        for (var e = 0; e < d; e++)
                        {
                            context[i][head * d + e] += exp[j] / sum * v[j][head * d + e];
                        }
                    }
                }
            }

            x = x.Select((residual, t) => Norm(Add(Linear(context[t], L("attention.output.dense")), residual), L("attention.output.LayerNorm"))).ToArray();
            x = x.Select(residual =>
            {
                var inner = Linear(residual, L("intermediate.dense")).Select(Gelu).ToArray();
                return Norm(Add(Linear(inner, L("output.dense")), residual), L("output.LayerNorm"));
            }).ToArray();
        }

        return x;
    }

    /// <summary>GELU with erf from Abramowitz–Stegun 7.1.26 (absolute error below 1.5e-7).</summary>
    public static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    private static double Erf(double x)
    {
        var sign = Math.Sign(x);
        x = Math.Abs(x);
        var t = 1 / (1 + 0.3275911 * x);
        var y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return sign * y;
    }

    private double[] Linear(double[] x, string name)
    {
        var weight = _w[name + ".weight"];
        var bias = _w[name + ".bias"];
        var outputs = bias.Length;
        var y = new double[outputs];
        for (var o = 0; o < outputs; o++)
        {
            var sum = bias[o];
            for (var i = 0; i < x.Length; i++)
            {
                sum += weight[o * x.Length + i] * x[i];
            }

            y[o] = sum;
        }

        return y;
    }

    private double[] Norm(double[] x, string name)
    {
        var mean = x.Average();
        var variance = x.Select(v => (v - mean) * (v - mean)).Average();
        var scale = 1 / Math.Sqrt(variance + _c.Model.NormEpsilon);
        return x.Select((v, i) => (v - mean) * scale * _w[name + ".weight"][i] + _w[name + ".bias"][i]).ToArray();
    }

    private static double[] Add(double[] a, double[] b) => a.Select((v, i) => v + b[i]).ToArray();
}
