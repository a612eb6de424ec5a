// Reduced from https://github.com/ljfio/NLaya/blob/0ab19f417ad8a8c98def67901955e78ed26f34c2/samples/NLaya.Quickstart/Program.cs (licence: Apache-2.0).
// Also reduced into it: Laya.LoadAsync and UseTorchSharp(string) reduced to their signatures.
// The quickstart loads the laya-multilingual checkpoint from the Hugging Face hub with the TorchSharp backend on the CPU, leaving the backend's dtype at its documented default (FP32, converted explicitly when the weights are read).
using System;
using System.Threading.Tasks;

namespace Corpus.NLaya.Quickstart;

public sealed class TorchSharpOptions
{
    public string Device { get; set; } = "auto";

    public TorchSharp.torch.ScalarType? DType { get; set; }
}

public sealed class LayaOptions
{
    public TorchSharpOptions? Backend { get; set; }

    public LayaOptions UseTorchSharp(string device)
    {
        Backend = new TorchSharpOptions { Device = device };
        return this;
    }
}

public sealed class LayaAgent : IAsyncDisposable
{
    public string BackendName => "torchsharp:cpu";

    public string Predict(object input) => string.Empty;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

public static class Laya
{
    public static Task<LayaAgent> LoadAsync(string modelIdOrPath, Func<LayaOptions, LayaOptions>? configure = null)
    {
        configure?.Invoke(new LayaOptions());
        return Task.FromResult(new LayaAgent());
    }
}

public static class Program
{
    public static async Task Main()
    {
        await using var agent = await Laya.LoadAsync("convaiinnovations/laya-multilingual", o => o.UseTorchSharp("cpu")); //~ PREC001 the backend converts the weights to an explicit dtype when it reads them: FP32 unless DType is set (documented), the precision the model is published for
        Console.WriteLine($"on {agent.BackendName}");
        Console.WriteLine(agent.Predict(new { body = "I was charged twice for invoice 4411." }));
    }
}
