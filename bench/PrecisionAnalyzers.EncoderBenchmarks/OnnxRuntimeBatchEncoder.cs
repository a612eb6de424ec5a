using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.EncoderBenchmarks;

/// <summary>
/// The peer: ONNX Runtime (FP32, CPU) running a BERT export on a padded batch, with the same work around it that
/// <c>SentenceEncoder.Encode</c> does: tokenize with the same WordPiece tokenizer, pad to the longest text, mean-pool
/// over the attention mask, L2-normalise.
/// </summary>
internal sealed class OnnxRuntimeBatchEncoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly WordPieceTextTokenizer _tokenizer;
    private readonly int _maxTokens;

    /// <param name="threads">ONNX Runtime's intra-op threads (inter-op: 1, sequential execution).</param>
    public OnnxRuntimeBatchEncoder(byte[] model, WordPieceTextTokenizer tokenizer, int maxTokens, int threads)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(model, options);
        _tokenizer = tokenizer;
        _maxTokens = maxTokens;
    }

    public float[][] Encode(IReadOnlyList<string> texts)
    {
        var ids = texts.Select(t => _tokenizer.Encode(t, _maxTokens, out _)).ToArray();
        var batch = ids.Length;
        var length = ids.Max(i => i.Length);
        var inputIds = new long[batch * length];
        var mask = new long[batch * length];
        for (var b = 0; b < batch; b++)
        {
            for (var t = 0; t < length; t++)
            {
                inputIds[b * length + t] = t < ids[b].Length ? ids[b][t] : _tokenizer.PadTokenId;
                mask[b * length + t] = t < ids[b].Length ? 1 : 0;
            }
        }

        var inputs = new[]
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(inputIds, [batch, length])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, [batch, length])),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[batch * length], [batch, length])),
        };
        using var results = _session.Run(inputs, ["last_hidden_state"]);
        var hidden = (DenseTensor<float>)results[0].AsTensor<float>();
        var data = hidden.Buffer.Span;
        var width = (int)hidden.Dimensions[2];
        var embeddings = new float[batch][];
        for (var b = 0; b < batch; b++)
        {
            var pooled = new double[width];
            for (var t = 0; t < ids[b].Length; t++)
            {
                var row = data.Slice((b * length + t) * width, width);
                for (var d = 0; d < width; d++)
                {
                    pooled[d] += row[d];
                }
            }

            var norm = Math.Sqrt(pooled.Sum(v => v * v));
            embeddings[b] = pooled.Select(v => (float)(v / norm)).ToArray();
        }

        return embeddings;
    }

    public void Dispose() => _session.Dispose();
}
