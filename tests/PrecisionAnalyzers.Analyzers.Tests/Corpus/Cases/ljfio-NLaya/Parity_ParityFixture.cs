// Reduced from https://github.com/ljfio/NLaya/blob/0ab19f417ad8a8c98def67901955e78ed26f34c2/tests/NLaya.Parity/ParityFixture.cs (licence: Apache-2.0).
// Also reduced into it: Laya.Load and UseTorchSharp reduced to their signatures.
// The parity tests load each Laya checkpoint once, with the TorchSharp backend configured in a lambda: device and dtype come from environment variables (NLAYA_DTYPE: float32 by default, bfloat16 or float16).
using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.NLaya.Parity;

public sealed class TorchSharpOptions
{
    public string Device { get; set; } = "auto";

    public ScalarType? DType { get; set; }
}

public sealed class LayaOptions
{
    public string? Subfolder { get; set; }

    public TorchSharpOptions? TorchSharp { get; set; }

    public LayaOptions UseTorchSharp(Action<TorchSharpOptions>? configure = null)
    {
        var o = new TorchSharpOptions();
        configure?.Invoke(o);
        TorchSharp = o;
        return this;
    }
}

public sealed class LayaAgent : IDisposable
{
    public string BackendName { get; init; } = "torchsharp:cpu";

    public void Dispose()
    {
    }
}

public static class Laya
{
    public static LayaAgent Load(string modelIdOrPath, Action<LayaOptions>? configure = null)
    {
        var options = new LayaOptions();
        configure?.Invoke(options);
        return new LayaAgent();
    }
}

public sealed class ParityFixture : IDisposable
{
    public static string Device => Environment.GetEnvironmentVariable("NLAYA_DEVICE") is { Length: > 0 } d ? d : "cpu";

    public static ScalarType DType => Environment.GetEnvironmentVariable("NLAYA_DTYPE") switch
    {
        null or "" or "float32" => ScalarType.Float32,
        "bfloat16" => ScalarType.BFloat16,
        "float16" => ScalarType.Float16, //~ PREC002 Laya is a small ModernBERT-based classifier; float16 is one of three values a tester picks with NLAYA_DTYPE
        var other => throw new InvalidOperationException($"NLAYA_DTYPE={other}: use float32, bfloat16 or float16"),
    };

    public static bool ReducedPrecision => DType != ScalarType.Float32;

    private readonly object _lock = new();
    private (string Key, LayaAgent Agent)? _current;

    public LayaAgent Agent(string backend, string model)
    {
        lock (_lock)
        {
            var key = backend + ":" + model;
            if (_current is { } c && c.Key == key) return c.Agent;
            _current?.Agent.Dispose();
            _current = null;
            GC.Collect();
            var repo = "convaiinnovations/laya-multilingual";
            string? sub = model == "typed_decisions" ? "typed-decisions" : null;
            var agent = Laya.Load(repo, o => //~ PREC001 the dtype is chosen in the options lambda below (t.DType)
            {
                o.Subfolder = sub;
                o.UseTorchSharp(t => { t.Device = Device; t.DType = DType; });
            });
            _current = (key, agent);
            return agent;
        }
    }

    public void Dispose()
    {
        _current?.Agent.Dispose();
    }
}
