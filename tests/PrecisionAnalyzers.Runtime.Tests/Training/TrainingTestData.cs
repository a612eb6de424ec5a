using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Adapters;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Training;

namespace PrecisionAnalyzers.Runtime.Tests.Training;

internal static class TrainingTestData
{
    /// <summary>A tiny Gemma-3-style checkpoint whose config.json says use_cache: true (the failure's setting).</summary>
    public static string WriteGemma3(string folder, DType dtype = DType.Float32)
    {
        TinyCheckpointWriter.Write(folder, "gemma3", new TinyModelOptions { Dtype = dtype, Seed = 7 });
        var path = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config["use_cache"] = true;
        config["text_config"]!.AsObject()["use_cache"] = true;
        File.WriteAllText(path, config.ToJsonString());
        return folder;
    }

    /// <summary>Four fixed random sequences of 16 tokens over the tiny vocabulary: a memorisation set.</summary>
    public static int[][] Sequences(int count = 4, int length = 16, int seed = 11)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, length).Select(_ => random.Next(3, 96)).ToArray()).ToArray();
    }

    public static string WriteJsonl(string path, IEnumerable<int[]> sequences)
    {
        File.WriteAllLines(path, sequences.Select(ids => $"{{\"input_ids\": [{string.Join(", ", ids)}]}}"));
        return path;
    }

    public static TrainingOptions Options(int steps = 30, int saveEvery = 0, double dropout = 0.0) => new()
    {
        Steps = steps,
        BatchSize = 2,
        GradientAccumulation = 2,
        LearningRate = 2e-2,
        WarmupSteps = 2,
        SaveEvery = saveEvery,
        MaxLength = 32,
        Seed = 5,
        Lora = new LoraOptions { Rank = 8, Alpha = 16, Dropout = dropout, TargetModules = LoraOptions.AllLinearModules },
    };

    public static float[] Logits(CausalLM model, int[] ids)
    {
        using var input = Models.ModelTestData.Ids(ids);
        using var logits = model.Forward(input);
        using var f32 = logits.to_type(TorchSharp.torch.ScalarType.Float32);
        return f32.data<float>().ToArray();
    }

    public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
