using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Checkpoints;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("precision-ckpt-").FullName;
    private readonly Dictionary<string, Tensor> _tensors;

    public CheckpointTests()
    {
        TorchSharpLoader.EnsureLoaded();
        var generator = new Generator(42);
        _tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < 6; i++)
        {
            _tensors[$"model.layers.{i}.weight"] = randn([16, 8], generator: generator).to(ScalarType.BFloat16);
        }

        _tensors["model.norm.weight"] = ones(8, ScalarType.BFloat16);
        generator.Dispose();
    }

    public void Dispose()
    {
        foreach (var tensor in _tensors.Values)
        {
            tensor.Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void A_sharded_checkpoint_reads_as_one_set_of_tensors()
    {
        var files = SafetensorsWriter.WriteSharded(_folder, _tensors, maxShardBytes: 600);

        Assert.True(files.Count > 2);
        using var checkpoint = Checkpoint.Open(_folder);
        Assert.Equal(_tensors.Keys.Order(), checkpoint.Names.Order());
        foreach (var (name, original) in _tensors)
        {
            using var read = checkpoint.Get(name, ScalarType.BFloat16, CPU);
            Assert.Equal(original.bytes.ToArray(), read.bytes.ToArray());
        }

        Assert.Equal(DType.BFloat16, checkpoint.WeightsDtype());
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(_folder, Checkpoint.IndexFile)))!;
        Assert.Equal(_tensors.Values.Sum(t => t.NumberOfElements * 2), (long)index["metadata"]!["total_size"]!);
    }

    [Fact]
    public void Progress_reports_bytes_up_to_the_total()
    {
        SafetensorsWriter.Write(Path.Combine(_folder, Checkpoint.SingleFile), _tensors);
        var reports = new List<CheckpointProgress>();
        using var checkpoint = Checkpoint.Open(_folder, new SynchronousProgress<CheckpointProgress>(reports.Add));

        foreach (var name in checkpoint.Names)
        {
            checkpoint.Get(name, ScalarType.Float32, CPU).Dispose();
        }

        Assert.Equal(_tensors.Count, reports.Count);
        Assert.True(reports.Select(r => r.BytesRead).SequenceEqual(reports.Select(r => r.BytesRead).Order()));
        Assert.Equal(checkpoint.TotalBytes, reports[^1].BytesRead);
    }

    [Fact]
    public void A_folder_without_weights_names_both_files_it_looked_for()
    {
        var error = Assert.Throws<FileNotFoundException>(() => Checkpoint.Open(_folder));

        Assert.Contains(Checkpoint.SingleFile, error.Message, StringComparison.Ordinal);
        Assert.Contains(Checkpoint.IndexFile, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_index_naming_a_missing_shard_is_refused()
    {
        SafetensorsWriter.WriteSharded(_folder, _tensors, maxShardBytes: 600);
        File.Delete(Directory.GetFiles(_folder, "model-00002-*").Single());

        var error = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(_folder));
        Assert.Equal(SafetensorsRule.ShardIndex, error.Rule);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_index_mapping_a_tensor_to_the_wrong_shard_is_refused()
    {
        SafetensorsWriter.WriteSharded(_folder, _tensors, maxShardBytes: 600);
        var indexPath = Path.Combine(_folder, Checkpoint.IndexFile);
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!;
        var map = index["weight_map"]!.AsObject();
        var first = map.First().Key;
        var other = map.Select(p => (string)p.Value!).First(s => s != (string)map[first]!);
        map[first] = other;
        File.WriteAllText(indexPath, index.ToJsonString());

        var error = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(_folder));
        Assert.Equal(SafetensorsRule.ShardIndex, error.Rule);
        Assert.Equal(first, error.TensorName);
    }

    [Fact]
    public void A_tensor_held_by_two_shards_is_refused()
    {
        var name = _tensors.Keys.First();
        SafetensorsWriter.Write(Path.Combine(_folder, "a.safetensors"), new Dictionary<string, Tensor> { [name] = _tensors[name] });
        SafetensorsWriter.Write(Path.Combine(_folder, "b.safetensors"), new Dictionary<string, Tensor> { [name] = _tensors[name] });
        File.WriteAllText(Path.Combine(_folder, Checkpoint.IndexFile), "{\"metadata\":{},\"weight_map\":{\"" + name + "\":\"a.safetensors\",\"other\":\"b.safetensors\"}}");

        var error = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(_folder));
        Assert.Equal(SafetensorsRule.ShardIndex, error.Rule);
        Assert.Contains("held by both", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("""{"metadata":{}}""")]
    [InlineData("""{"weight_map":{"w":"../../etc/passwd"}}""")]
    [InlineData("""{"weight_map":{"w":7}}""")]
    public void A_malformed_index_is_refused(string index)
    {
        File.WriteAllText(Path.Combine(_folder, Checkpoint.IndexFile), index);

        var error = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(_folder));
        Assert.Equal(Path.Combine(_folder, Checkpoint.IndexFile), error.FilePath);
    }

    [Fact]
    public void A_corrupt_shard_fails_the_open_before_any_tensor_is_read()
    {
        SafetensorsWriter.WriteSharded(_folder, _tensors, maxShardBytes: 600);
        var last = Directory.GetFiles(_folder, "model-*.safetensors").Order().Last();
        using (var stream = new FileStream(last, FileMode.Open))
        {
            stream.SetLength(stream.Length - 3);
        }

        var error = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Open(_folder));
        Assert.Equal(last, error.FilePath);
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
