// Reduced from https://github.com/ljfio/NLaya/blob/0ab19f417ad8a8c98def67901955e78ed26f34c2/src/NLaya.TorchSharp/TorchSharpBackend.cs (licence: Apache-2.0).
// Also reduced into it: SafeTensors.cs (reduced) and LayaNetwork.cs (its signature).
// The TorchSharp backend of the Laya classifier reads model.safetensors with the project's own reader (no PyBridge), converting every tensor to the options' dtype (null means FP32) on the chosen device, and falls back to CPU in FP32 when the device fails.
using System;
using System.Collections.Generic;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.NLaya.TorchSharpBackend;

public sealed class TorchSharpOptions
{
    public string Device { get; set; } = "auto";

    public ScalarType? DType { get; set; }

    public int? NumThreads { get; set; }
}

public sealed record LayaCheckpoint(string ModelId, string WeightsPath, object? EncoderConfig, int HeadLayers);

public static class SafeTensors
{
    public sealed record Entry(string Name, string DType, long[] Shape, long Start, long End);

    public static IReadOnlyList<Entry> ReadHeader(string path, out long dataOffset)
    {
        dataOffset = 8;
        return new List<Entry>();
    }

    public static Dictionary<string, Tensor> Load(string path, ScalarType dtype, Device device)
    {
        var entries = ReadHeader(path, out var dataOffset);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            var src = e.DType switch
            {
                "F16" => ScalarType.Float16, //~ PREC002 the file's dtype tag, to read the raw bytes; the tensor is converted to the requested dtype below
                "BF16" => ScalarType.BFloat16,
                "F32" => ScalarType.Float32,
                "I64" => ScalarType.Int64,
                _ => throw new NotSupportedException($"safetensors dtype {e.DType} ({e.Name})"),
            };
            using var raw = empty(e.Shape, src);
            var isFloat = src is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32;
            result[e.Name] = raw.to(isFloat ? dtype : src, device).DetachFromDisposeScope();
        }

        return result;
    }
}

public sealed class LayaNetwork : IDisposable
{
    public LayaNetwork(Dictionary<string, Tensor> weights, object encoderConfig, int headLayers, ScalarType dtype, Device device)
    {
        Device = device;
    }

    public Device Device { get; }

    public void Dispose()
    {
    }
}

public sealed class TorchSharpBackend : IDisposable
{
    private readonly LayaNetwork _net;

    public string Name { get; }

    public TorchSharpBackend(LayaCheckpoint checkpoint, TorchSharpOptions options)
    {
        var encCfg = checkpoint.EncoderConfig ?? throw new FileNotFoundException($"'{checkpoint.ModelId}' has no encoder/config.json.");
        if (!File.Exists(checkpoint.WeightsPath))
            throw new FileNotFoundException($"Incompatible model: 'model.safetensors' not found in '{checkpoint.ModelId}'.", checkpoint.WeightsPath);
        if (options.NumThreads is { } n) set_num_threads(n);

        var device = ResolveDevice(options.Device);
        var dtype = options.DType ?? ScalarType.Float32;
        using (no_grad())
        {
            Dictionary<string, Tensor> weights;
            try
            {
                weights = SafeTensors.Load(checkpoint.WeightsPath, dtype, device); //~ PREC001 the dtype is passed: the options' choice, FP32 when none
            }
            catch (Exception e) when (device.type != DeviceType.CPU && e is not IOException and not InvalidDataException)
            {
                device = CPU;
                dtype = ScalarType.Float32;
                weights = SafeTensors.Load(checkpoint.WeightsPath, dtype, device); //~ PREC001 the dtype is passed: FP32 on the CPU fallback
            }

            weights.Remove("temperature", out var temp);
            temp?.Dispose();
            _net = new LayaNetwork(weights, encCfg, checkpoint.HeadLayers, dtype, device);
        }

        Name = $"torchsharp:{device}";
    }

    private static Device ResolveDevice(string spec)
    {
        spec = spec.Trim().ToLowerInvariant();
        if (spec == "auto") return cuda.is_available() ? CUDA : CPU;
        return torch.device(spec);
    }

    public void Dispose() => _net.Dispose();
}
