using System.Globalization;
using System.Runtime.InteropServices;
using PrecisionAnalyzers.Runtime.Models;
using TorchSharp;

namespace PrecisionAnalyzers.Benchmarks.Decode.Gguf;

/// <summary>
/// Writes a llama checkpoint held under Hugging Face names (a <see cref="TinyModel"/> with FP32 weights) as a GGUF file
/// llama.cpp loads with its <c>llama</c> architecture: the same weights, renamed to GGUF's tensor names, 2-D weights in
/// the requested type (1-D norm weights stay F32, as llama.cpp's own converter keeps them), and a minimal
/// SentencePiece-style vocabulary (the benchmark feeds token ids, so the strings only have to be valid).
/// </summary>
/// <remarks>
/// Hugging Face's llama applies RoPE in "rotate half" order (dimension i of a head pairs with i + d/2); llama.cpp's llama
/// architecture rotates adjacent pairs (2i, 2i+1). So the rows of q_proj and k_proj are permuted within each head: the
/// GGUF row 2i + h is the Hugging Face row h·d/2 + i (h ∈ {0, 1}). q·k is unchanged because both sides move alike.
/// </remarks>
internal static class LlamaGgufExporter
{
    public static void Write(TinyModel model, GgufTensorType type, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = model.Config;
        if (config.ModelType != "llama" || config.AttentionBias || config.MlpBias)
        {
            throw new ArgumentException($"Only a bias-free llama is exported, not '{config.ModelType}'.", nameof(model));
        }

        var gguf = new GgufWriter();
        gguf.Add("general.architecture", "llama");
        gguf.Add("general.name", "precision-bench-llama");
        gguf.Add("general.alignment", (uint)GgufWriter.Alignment);
        gguf.Add("general.file_type", type switch { GgufTensorType.F32 => 0u, GgufTensorType.F16 => 1u, _ => 32u });
        gguf.Add("llama.context_length", (uint)(config.MaxPositionEmbeddings ?? 2048));
        gguf.Add("llama.embedding_length", (uint)config.HiddenSize);
        gguf.Add("llama.block_count", (uint)config.NumHiddenLayers);
        gguf.Add("llama.feed_forward_length", (uint)config.IntermediateSize);
        gguf.Add("llama.attention.head_count", (uint)config.NumAttentionHeads);
        gguf.Add("llama.attention.head_count_kv", (uint)config.NumKeyValueHeads);
        gguf.Add("llama.attention.key_length", (uint)config.HeadDim);
        gguf.Add("llama.attention.value_length", (uint)config.HeadDim);
        gguf.Add("llama.rope.dimension_count", (uint)config.HeadDim);
        gguf.Add("llama.rope.freq_base", (float)config.Rope.Theta);
        gguf.Add("llama.attention.layer_norm_rms_epsilon", (float)config.NormEpsilon);
        gguf.Add("llama.vocab_size", (uint)config.VocabSize);
        AddVocabulary(gguf, (int)config.VocabSize);

        Add(gguf, model, "model.embed_tokens.weight", "token_embd.weight", type);
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var hf = $"model.layers.{layer}.";
            var blk = $"blk.{layer}.";
            Add(gguf, model, hf + "input_layernorm.weight", blk + "attn_norm.weight", GgufTensorType.F32);
            Add(gguf, model, hf + "self_attn.q_proj.weight", blk + "attn_q.weight", type, config.NumAttentionHeads);
            Add(gguf, model, hf + "self_attn.k_proj.weight", blk + "attn_k.weight", type, config.NumKeyValueHeads);
            Add(gguf, model, hf + "self_attn.v_proj.weight", blk + "attn_v.weight", type);
            Add(gguf, model, hf + "self_attn.o_proj.weight", blk + "attn_output.weight", type);
            Add(gguf, model, hf + "post_attention_layernorm.weight", blk + "ffn_norm.weight", GgufTensorType.F32);
            Add(gguf, model, hf + "mlp.gate_proj.weight", blk + "ffn_gate.weight", type);
            Add(gguf, model, hf + "mlp.up_proj.weight", blk + "ffn_up.weight", type);
            Add(gguf, model, hf + "mlp.down_proj.weight", blk + "ffn_down.weight", type);
        }

        Add(gguf, model, "model.norm.weight", "output_norm.weight", GgufTensorType.F32);
        Add(gguf, model, config.TieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight", "output.weight", type);
        gguf.Write(path);
    }

    /// <summary>Hugging Face rotate-half rows → llama.cpp adjacent-pair rows, per head (see the remarks).</summary>
    internal static float[] PermuteRotaryRows(float[] weight, long heads, long columns)
    {
        var rows = weight.Length / columns;
        var headDim = rows / heads;
        var half = headDim / 2;
        var result = new float[weight.Length];
        for (var head = 0L; head < heads; head++)
        {
            for (var i = 0L; i < half; i++)
            {
                for (var h = 0L; h < 2; h++)
                {
                    var from = (head * headDim + h * half + i) * columns;
                    var to = (head * headDim + 2 * i + h) * columns;
                    Array.Copy(weight, from, result, to, columns);
                }
            }
        }

        return result;
    }

    internal static byte[] Encode(float[] values, GgufTensorType type)
    {
        switch (type)
        {
            case GgufTensorType.F32:
                return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            case GgufTensorType.F16:
            {
                var result = new ushort[values.Length];
                for (var i = 0; i < values.Length; i++)
                {
                    result[i] = BitConverter.HalfToUInt16Bits((Half)values[i]); // round to nearest even, as torch's .half()
                }

                return MemoryMarshal.AsBytes(result.AsSpan()).ToArray();
            }

            default:
            {
                var result = new ushort[values.Length];
                for (var i = 0; i < values.Length; i++)
                {
                    result[i] = ToBFloat16(values[i]);
                }

                return MemoryMarshal.AsBytes(result.AsSpan()).ToArray();
            }
        }
    }

    /// <summary>FP32 → BF16 rounding to nearest, ties to even (what torch's <c>.to(bfloat16)</c> does); NaN stays NaN.</summary>
    internal static ushort ToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }

        bits += 0x7FFF + ((bits >> 16) & 1);
        return (ushort)(bits >> 16);
    }

    private static void Add(GgufWriter gguf, TinyModel model, string hfName, string ggufName, GgufTensorType type, long rotaryHeads = 0)
    {
        var tensor = model.Weights[hfName];
        if (tensor.dtype != torch.ScalarType.Float32)
        {
            throw new ArgumentException($"'{hfName}' is {tensor.dtype}; the exporter takes FP32 weights and converts them itself.", nameof(model));
        }

        var shape = tensor.shape;
        var values = tensor.contiguous().data<float>().ToArray();
        if (rotaryHeads > 0)
        {
            values = PermuteRotaryRows(values, rotaryHeads, shape[1]);
        }

        gguf.AddTensor(ggufName, shape.Reverse().ToArray(), type, Encode(values, type));
    }

    // <unk>, <s>, </s>, the 256 byte tokens <0x00>…<0xFF> (llama.cpp looks up <0x0A> for the newline), then placeholders.
    private static void AddVocabulary(GgufWriter gguf, int size)
    {
        const int unknown = 2, control = 3, normal = 1, bytes = 6;
        var tokens = new List<string>(size) { "<unk>", "<s>", "</s>" };
        var types = new List<int>(size) { unknown, control, control };
        for (var b = 0; b < 256 && tokens.Count < size; b++)
        {
            tokens.Add(string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>"));
            types.Add(bytes);
        }

        while (tokens.Count < size)
        {
            tokens.Add(string.Create(CultureInfo.InvariantCulture, $"\u2581t{tokens.Count}"));
            types.Add(normal);
        }

        gguf.Add("tokenizer.ggml.model", "llama");
        gguf.Add("tokenizer.ggml.tokens", tokens);
        gguf.Add("tokenizer.ggml.scores", tokens.Select((_, i) => -(float)i).ToArray());
        gguf.Add("tokenizer.ggml.token_type", types);
        gguf.Add("tokenizer.ggml.unknown_token_id", 0u);
        gguf.Add("tokenizer.ggml.bos_token_id", 1u);
        gguf.Add("tokenizer.ggml.eos_token_id", 2u);
        gguf.Add("tokenizer.ggml.add_bos_token", false);
    }
}
