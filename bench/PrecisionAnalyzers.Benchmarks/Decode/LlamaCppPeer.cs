using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;

namespace PrecisionAnalyzers.Benchmarks.Decode;

/// <summary>
/// llama.cpp (through LLamaSharp's CPU backend) generating greedily from token ids on a GGUF file: one context, the KV
/// cache cleared before each generation, the prompt in one batch, then one token per decode call.
/// </summary>
internal sealed class LlamaCppPeer : IDisposable
{
    private static readonly Lock ConfigureLock = new();
    private static bool _configured;

    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();

    /// <param name="path">The GGUF file.</param>
    /// <param name="threads">llama.cpp's threads for prompt batches and for single-token decode alike.</param>
    /// <param name="cacheType">The KV cache's element type (F32 for the FP32 comparison; llama.cpp's default is F16).</param>
    /// <param name="flashAttention">llama.cpp's flash attention on or off; null leaves llama.cpp's default (auto).</param>
    public LlamaCppPeer(string path, int threads, GGMLType cacheType, bool? flashAttention = null)
    {
        Configure();
        var parameters = new ModelParams(path)
        {
            ContextSize = 512,
            BatchSize = 512,
            UBatchSize = 512,
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
            TypeK = cacheType,
            TypeV = cacheType,
            FlashAttention = flashAttention,
        };
        _weights = LLamaWeights.LoadFromFile(parameters);
        _context = _weights.CreateContext(parameters);
    }

    public string Description => _weights.NativeHandle.Description;

    public TimedGeneration Generate(IReadOnlyList<int> prompt, int newTokens, bool captureLogits = false)
    {
        var handle = _context.NativeHandle;
        handle.MemoryClear(true);
        var logitsLog = captureLogits ? new List<float[]>() : null;
        var tokens = new List<int>(newTokens);
        _batch.Clear();
        for (var i = 0; i < prompt.Count; i++)
        {
            _batch.Add(prompt[i], i, LLamaSeqId.Zero, i == prompt.Count - 1);
        }

        var clock = Stopwatch.StartNew();
        Decode();
        var next = ArgMax(handle.GetLogitsIth(_batch.TokenCount - 1), logitsLog);
        var prefill = clock.Elapsed;
        tokens.Add(next);
        while (tokens.Count < newTokens)
        {
            _batch.Clear();
            _batch.Add(next, prompt.Count + tokens.Count - 1, LLamaSeqId.Zero, true);
            Decode();
            next = ArgMax(handle.GetLogitsIth(0), logitsLog);
            tokens.Add(next);
        }

        var total = clock.Elapsed;
        return new TimedGeneration(tokens, prompt.Count, prefill, total - prefill, logitsLog);
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }

    private void Decode()
    {
        var result = _context.Decode(_batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama.cpp decode failed: {result}.");
        }
    }

    private static int ArgMax(Span<float> logits, List<float[]>? log)
    {
        log?.Add(logits.ToArray());
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }

    // llama.cpp logs every tensor it loads; only its errors are worth showing next to a benchmark table.
    private static void Configure()
    {
        lock (ConfigureLock)
        {
            if (_configured)
            {
                return;
            }

            NativeLibraryConfig.All.WithLogCallback((level, message) =>
            {
                if (level == LLamaLogLevel.Error)
                {
                    Console.Error.Write(message);
                }
            });
            _configured = true;
        }
    }
}
