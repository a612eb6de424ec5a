using PrecisionAnalyzers.Benchmarks.Decode;
using PrecisionAnalyzers.Benchmarks.Loading;

// Benchmarks are measurements, not tests: each reports ratios against a baseline measured in the same run.
// Usage: dotnet run -c Release --project bench/PrecisionAnalyzers.Benchmarks -- <benchmark>
var benchmarks = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase)
{
    ["decode"] = DecodeBenchmark.Run,
    ["decode-kernels"] = DecodeKernelsBenchmark.Run,
    ["decode-cold"] = ColdDecodeBenchmark.Run,
    ["gemv"] = GemvBenchmark.Run,
    ["load"] = LoadBenchmark.Run,
    ["load-child"] = LoadBenchmark.RunChild,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: <benchmark> [options]; benchmarks: {string.Join(", ", benchmarks.Keys)}");
    return 2;
}

return run(args[1..]);
