using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Models;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

public sealed class WeightMismatchLocationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("precision-mismatch-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_mismatch_names_the_checkpoint_folder_and_the_shard_of_each_tensor()
    {
        var folder = Path.Combine(_root, "tiny");
        TinyCheckpointWriter.Write(folder, "llama", maxShardBytes: 40_000);
        var configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["intermediate_size"] = config["intermediate_size"]!.GetValue<int>() + 1;
        File.WriteAllText(configPath, config.ToJsonString());
        using (var checkpoint = Checkpoint.Open(folder))
        {
            Assert.True(checkpoint.Files.Count > 1);
        }

        var error = Assert.Throws<WeightMappingException>(() => CausalLM.Load(folder, new LoadOptions { Dtype = DType.Float32 }).Dispose());

        Assert.Equal(folder, error.Location);
        Assert.StartsWith(folder + ": the weights do not match", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.MisShaped, entry => entry.StartsWith("model.layers.0.mlp.up_proj.weight (in model-0", StringComparison.Ordinal));
        Assert.Contains(".safetensors): expected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Building_without_a_plan_refuses_half_a_billion_layers_before_listing_their_weights()
    {
        using var tiny = TinyModelFactory.Create("llama");
        var json = JsonNode.Parse(tiny.ConfigJson)!.AsObject();
        json["num_hidden_layers"] = 500_000_000;
        var config = PrecisionAnalyzers.Runtime.Configuration.ModelConfig.Parse(json.ToJsonString());
        Assert.Equal(500_000_000, config.NumHiddenLayers);

        var error = Assert.Throws<PrecisionAnalyzers.Runtime.Diagnostics.UnsupportedModelException>(() => DecoderModel.Build(config, tiny.WeightSource, DType.Float32));

        Assert.Equal("PREC111", error.Code);
        Assert.Contains("500,000,000", error.Message, StringComparison.Ordinal);
    }
}
