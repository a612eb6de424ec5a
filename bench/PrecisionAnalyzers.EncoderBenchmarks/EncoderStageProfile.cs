using System.Diagnostics;
using System.Globalization;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Encoders;
using PrecisionAnalyzers.Runtime.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.EncoderBenchmarks;

/// <summary>
/// Where a batch's time goes in the runtime's encoder, by stopwatch, stage by stage, with the same public pieces
/// <c>SentenceEncoder.Encode</c> runs: tokenization, building the padded id and mask tensors, <see cref="BertEncoder.Forward"/>,
/// pooling and normalisation. Beside them, the fixed cost of a forward on a 1×2 batch (nearly no arithmetic: the per-op
/// overhead of the ~20 libtorch calls a layer makes), for the runtime and for ONNX Runtime.
/// </summary>
internal static class EncoderStageProfile
{
    public static void Print(SentenceEncoder encoder, WordPieceTextTokenizer tokenizer, IReadOnlyList<string> texts, OnnxRuntimeBatchEncoder ort, int rounds)
    {
        var stages = new[] { "tokenize", "ids + mask tensors", "BertEncoder.Forward", "pool + normalise", "forward of a 1×2 batch", "ONNX Runtime 1×2 batch" };
        var times = stages.Select(_ => new List<double>()).ToArray();
        string[] tiny = ["a"];
        for (var round = 0; round <= rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            var ids = texts.Select(t => tokenizer.Encode(t, encoder.MaxTokens, out _)).ToArray();
            var t0 = watch.Elapsed.TotalMilliseconds;
            using var scope = NewDisposeScope();
            var length = ids.Max(i => i.Length);
            var flat = new long[ids.Length * length];
            var mask = new long[ids.Length * length];
            for (var b = 0; b < ids.Length; b++)
            {
                for (var t = 0; t < length; t++)
                {
                    flat[b * length + t] = t < ids[b].Length ? ids[b][t] : tokenizer.PadTokenId;
                    mask[b * length + t] = t < ids[b].Length ? 1 : 0;
                }
            }

            var idTensor = tensor(flat, [ids.Length, length]);
            var maskTensor = tensor(mask, [ids.Length, length]);
            var t1 = watch.Elapsed.TotalMilliseconds;
            var tokens = encoder.Model.Forward(idTensor, maskTensor);
            var t2 = watch.Elapsed.TotalMilliseconds;
            var pooled = nn.functional.normalize(Pooler.Pool(encoder.Pooling, tokens, maskTensor), p: 2, dim: 1);
            _ = pooled.data<float>().ToArray();
            var t3 = watch.Elapsed.TotalMilliseconds;
            var small = tensor(new long[] { tokenizer.ClsTokenId, tokenizer.SepTokenId }, [1, 2]);
            encoder.Model.Forward(small, ones_like(small)).Dispose();
            var t4 = watch.Elapsed.TotalMilliseconds;
            ort.Encode(tiny);
            var t5 = watch.Elapsed.TotalMilliseconds;
            if (round > 0) // the first round is the warm-up
            {
                double[] values = [t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4];
                for (var s = 0; s < stages.Length; s++)
                {
                    times[s].Add(values[s]);
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Stage profile, runtime {encoder.Dtype}, {torch.get_num_threads()} thread(s), {rounds} rounds after a warm-up (medians, ms):");
        Console.WriteLine("| stage | ms (median) | min–max |");
        Console.WriteLine("|---|---|---|");
        for (var s = 0; s < stages.Length; s++)
        {
            var sorted = times[s].Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {stages[s]} | {sorted[sorted.Length / 2]:F1} | {sorted[0]:F1}–{sorted[^1]:F1} |"));
        }
    }
}
