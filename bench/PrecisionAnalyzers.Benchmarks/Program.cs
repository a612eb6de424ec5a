using PrecisionAnalyzers.Benchmarks.Decode;
using PrecisionAnalyzers.Benchmarks.Loading;
using PrecisionAnalyzers.Benchmarks.Quantization;

// Benchmarks are measurements, not tests: each reports ratios against a baseline measured in the same run.
// Usage: dotnet run -c Release --project bench/PrecisionAnalyzers.Benchmarks -- <benchmark>
var benchmarks = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase)
{
    ["decode"] = DecodeBenchmark.Run,
    ["decode-peers"] = PeerDecodeBenchmark.Run,
    ["decode-peers-cold"] = PeerDecodeBenchmark.RunColdChild,
    ["batch"] = BatchedDecodeBenchmark.Run,
    ["decode-kernels"] = DecodeKernelsBenchmark.Run,
    ["decode-cold"] = ColdDecodeBenchmark.Run,
    ["gemv"] = GemvBenchmark.Run,
    ["load"] = LoadBenchmark.Run,
    ["load-child"] = LoadBenchmark.RunChild,
    ["quant-accuracy"] = QuantizationAccuracyBenchmark.Run,
    ["quant-memory"] = QuantizedLoadMemoryBenchmark.Run,
    ["quant-gemv"] = QuantizedGemvBenchmark.Run,
    ["quant-memory-child"] = QuantizedLoadMemoryBenchmark.RunChild,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: <benchmark> [options]; benchmarks: {string.Join(", ", benchmarks.Keys)}");
    return 2;
}

return run(args[1..]);
