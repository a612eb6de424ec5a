using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

/// <summary>
/// The published equations of each family written out over plain double arrays, independent of the TorchSharp
/// modules: embedding (× √hidden rounded to FP32 for Gemma), RMSNorm (w or 1 + w), RoPE (rotate-half; default, linear,
/// llama3 frequencies), grouped attention with causal and sliding-window mask and optional soft-cap, gated MLP, final
/// norm, (tied) head, final soft-cap.
/// </summary>
internal sealed class ReferenceDecoder
{
    private readonly ModelConfig _c;
    private readonly Dictionary<string, double[]> _w = new(StringComparer.Ordinal);
    private readonly string _prefix;
    private readonly string _head;
    private readonly bool _gemma;
    private readonly bool _sandwich;
    private readonly bool _qkNorm;

    public ReferenceDecoder(TinyModel model)
    {
        _c = model.Config;
        foreach (var (name, t) in model.Weights)
        {
            using var f = t.to_type(ScalarType.Float64);
            _w[name] = f.data<double>().ToArray();
        }

        _prefix = _w.ContainsKey("language_model.model.embed_tokens.weight") ? "language_model.model." : "model.";
        _head = _c.TieWordEmbeddings ? _prefix + "embed_tokens.weight" : "lm_head.weight";
        _gemma = _c.ModelType.StartsWith("gemma", StringComparison.Ordinal);
        _sandwich = _c.ModelType is "gemma2" or "gemma3_text";
        _qkNorm = _c.ModelType == "gemma3_text";
    }

    public double[][] Logits(int[] tokens)
    {
        int h = (int)_c.HiddenSize, T = tokens.Length;
        var x = new double[T][];
        var embedScale = _gemma ? (double)(float)Math.Sqrt(h) : 1.0;
        var embed = _w[_prefix + "embed_tokens.weight"];
        for (var t = 0; t < T; t++)
        {
            x[t] = new double[h];
            for (var i = 0; i < h; i++)
            {
                x[t][i] = embed[tokens[t] * h + i] * embedScale;
            }
        }

        for (var layer = 0; layer < _c.NumHiddenLayers; layer++)
        {
            string L(string n) => $"{_prefix}layers.{layer}.{n}";
            var normed = x.Select(v => Norm(v, _w[L("input_layernorm.weight")])).ToArray();
            var attn = Attention(normed, layer, L);
            if (_sandwich)
            {
                attn = attn.Select(v => Norm(v, _w[L("post_attention_layernorm.weight")])).ToArray();
            }

            for (var t = 0; t < T; t++)
            {
                for (var i = 0; i < h; i++)
                {
                    x[t][i] += attn[t][i];
                }
            }

            var mlpIn = x.Select(v => Norm(v, _w[L(_sandwich ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight")])).ToArray();
            var mlp = mlpIn.Select(v => Mlp(v, L)).ToArray();
            if (_sandwich)
            {
                mlp = mlp.Select(v => Norm(v, _w[L("post_feedforward_layernorm.weight")])).ToArray();
            }

            for (var t = 0; t < T; t++)
            {
                for (var i = 0; i < h; i++)
                {
                    x[t][i] += mlp[t][i];
                }
            }
        }

        var cap = _c.FinalLogitSoftcapping;
        return x.Select(v =>
        {
            var logits = MatVec(_w[_head], Norm(v, _w[_prefix + "norm.weight"]), (int)_c.VocabSize, h);
            return cap is { } c ? logits.Select(z => c * Math.Tanh(z / c)).ToArray() : logits;
        }).ToArray();
    }

    private double[] Norm(double[] v, double[] w)
    {
        var ms = v.Sum(z => z * z) / v.Length;
        var r = 1.0 / Math.Sqrt(ms + _c.NormEpsilon);
        return v.Select((z, i) => z * r * (_gemma ? 1 + w[i] : w[i])).ToArray();
    }

    private static double[] MatVec(double[] m, double[] v, int rows, int cols, double[]? bias = null)
    {
        var r = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            var s = bias?[i] ?? 0;
            for (var j = 0; j < cols; j++)
            {
                s += m[i * cols + j] * v[j];
            }

            r[i] = s;
        }

        return r;
    }

    private double[] Mlp(double[] v, Func<string, string> L)
    {
        int h = (int)_c.HiddenSize, n = (int)_c.IntermediateSize;
        var g = MatVec(_w[L("mlp.gate_proj.weight")], v, n, h);
        var u = MatVec(_w[L("mlp.up_proj.weight")], v, n, h);
        var a = g.Select((z, i) => Activation(z) * u[i]).ToArray();
        return MatVec(_w[L("mlp.down_proj.weight")], a, h, n);
    }

    private double Activation(double z) => _c.Activation switch
    {
        "silu" => z / (1 + Math.Exp(-z)),
        "gelu_pytorch_tanh" => 0.5 * z * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z))),
        _ => throw new NotSupportedException(_c.Activation),
    };

    private double[] Frequencies(int layer)
    {
        var d = (int)_c.HeadDim;
        var sliding = _c.LayerTypes[layer] == LayerType.SlidingAttention;
        var rope = _c.ModelType == "gemma3_text" && sliding ? _c.LocalRope : _c.Rope;
        var f = new double[d / 2];
        for (var i = 0; i < d / 2; i++)
        {
            f[i] = 1.0 / Math.Pow(rope.Theta, 2.0 * i / d);
            if (rope.Type == "linear")
            {
                f[i] /= rope.Factor!.Value;
            }
            else if (rope.Type == "llama3")
            {
                double factor = rope.Factor!.Value, lo = rope.LowFreqFactor!.Value, hi = rope.HighFreqFactor!.Value, old = rope.OriginalMaxPositionEmbeddings!.Value;
                var wavelength = 2 * Math.PI / f[i];
                if (wavelength > old / lo)
                {
                    f[i] /= factor;
                }
                else if (wavelength >= old / hi)
                {
                    var s = (old / wavelength - lo) / (hi - lo);
                    f[i] = (1 - s) * f[i] / factor + s * f[i];
                }
            }
        }

        return f;
    }

    private void Rotate(double[] v, int offset, int d, int position, double[] f)
    {
        for (var i = 0; i < d / 2; i++)
        {
            double a = v[offset + i], b = v[offset + i + d / 2];
            double c = Math.Cos(position * f[i]), s = Math.Sin(position * f[i]);
            v[offset + i] = a * c - b * s;
            v[offset + i + d / 2] = b * c + a * s;
        }
    }

    private double[][] Attention(double[][] x, int layer, Func<string, string> L)
    {
        int T = x.Length, h = (int)_c.HiddenSize, nh = (int)_c.NumAttentionHeads, nkv = (int)_c.NumKeyValueHeads, d = (int)_c.HeadDim;
        var bias = _c.ModelType == "qwen2";
        var q = x.Select(v => MatVec(_w[L("self_attn.q_proj.weight")], v, nh * d, h, bias ? _w[L("self_attn.q_proj.bias")] : null)).ToArray();
        var k = x.Select(v => MatVec(_w[L("self_attn.k_proj.weight")], v, nkv * d, h, bias ? _w[L("self_attn.k_proj.bias")] : null)).ToArray();
        var v = x.Select(v => MatVec(_w[L("self_attn.v_proj.weight")], v, nkv * d, h, bias ? _w[L("self_attn.v_proj.bias")] : null)).ToArray();
        var f = Frequencies(layer);
        for (var t = 0; t < T; t++)
        {
            for (var head = 0; head < nh; head++)
            {
                if (_qkNorm)
                {
                    Array.Copy(Norm(q[t][(head * d)..((head + 1) * d)], _w[L("self_attn.q_norm.weight")]), 0, q[t], head * d, d);
                }

                Rotate(q[t], head * d, d, t, f);
            }

            for (var head = 0; head < nkv; head++)
            {
                if (_qkNorm)
                {
                    Array.Copy(Norm(k[t][(head * d)..((head + 1) * d)], _w[L("self_attn.k_norm.weight")]), 0, k[t], head * d, d);
                }

                Rotate(k[t], head * d, d, t, f);
            }
        }

        var scale = _c.ModelType is "gemma2" or "gemma3_text" ? 1 / Math.Sqrt(_c.QueryPreAttentionScalar!.Value) : 1 / Math.Sqrt(d);
        var cap = _c.AttentionLogitSoftcapping;
        var window = _c.LayerTypes[layer] == LayerType.SlidingAttention ? _c.SlidingWindow : null;
        var context = new double[T][];
        for (var t = 0; t < T; t++)
        {
            context[t] = new double[nh * d];
            for (var head = 0; head < nh; head++)
            {
                var kvHead = head / (nh / nkv);
                var scores = new double[T];
                for (var j = 0; j < T; j++)
                {
                    var visible = j <= t && (window is null || j > t - window);
                    if (!visible)
                    {
                        scores[j] = double.NegativeInfinity;
                        continue;
                    }

                    var s = 0.0;
                    for (var i = 0; i < d; i++)
                    {
                        s += q[t][head * d + i] * k[j][kvHead * d + i];
                    }

                    s *= scale;
                    scores[j] = cap is { } c ? c * Math.Tanh(s / c) : s;
                }

                var max = scores.Max();
                var e = scores.Select(s => Math.Exp(s - max)).ToArray();
                var sum = e.Sum();
                for (var j = 0; j < T; j++)
                {
                    for (var i = 0; i < d; i++)
                    {
                        context[t][head * d + i] += e[j] / sum * v[j][kvHead * d + i];
                    }
                }
            }
        }

        return context.Select(c => MatVec(_w[L("self_attn.o_proj.weight")], c, h, nh * d)).ToArray();
    }
}
