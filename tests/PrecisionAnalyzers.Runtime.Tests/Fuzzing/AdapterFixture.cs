using PrecisionAnalyzers.Runtime.Adapters;

namespace PrecisionAnalyzers.Runtime.Tests.Fuzzing;

/// <summary>
/// stories260K (FP32, CPU), loaded once for the adapter targets, and a real PEFT adapter for it (rank 2 on the attention
/// projections, written by <see cref="LoraAdapterSet.Save"/>): the seed and the fixed companion of the two adapter targets.
/// </summary>
internal static class AdapterFixture
{
    private static readonly Lazy<(CausalLM Model, string Folder)> State = new(() =>
    {
        var model = CausalLM.Load(FuzzTargets.Stories260K(""), new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
        var folder = Directory.CreateTempSubdirectory("precision-fuzz-adapter-").FullName;
        using var adapters = LoraAdapterSet.Create(model.Model, new LoraOptions { Rank = 2 }, seed: 5);
        adapters.Save(folder);
        adapters.DetachFrom(model.Model);
        return (model, folder);
    });

    public static CausalLM Model => State.Value.Model;

    public static string Folder => State.Value.Folder;
}
