using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Checkpoints;

/// <summary>Reading a stored tensor into one that already exists, as a state dict is loaded into a built model.</summary>
public sealed class SafetensorsReadIntoTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("precision-into-").FullName;

    public SafetensorsReadIntoTests() => TorchSharpLoader.EnsureLoaded();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(ScalarType stored, params long[] shape)
    {
        using var generator = new Generator(5);
        using var values = randn(shape, generator: generator).mul(7);
        using var typed = values.to(stored);
        var path = Path.Combine(_folder, Checkpoint.SingleFile);
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["w"] = typed });
        return path;
    }

    [Theory]
    [InlineData(ScalarType.BFloat16, ScalarType.Float32)] // straight from the mapping, widened
    [InlineData(ScalarType.Float32, ScalarType.BFloat16)] // straight from the mapping, rounded
    [InlineData(ScalarType.Float32, ScalarType.Float32)] // straight copy
    [InlineData(ScalarType.Float16, ScalarType.Float32)] // through libtorch
    [InlineData(ScalarType.Float32, ScalarType.Float16)]
    public void The_existing_tensor_receives_what_Read_returns_in_its_own_memory(ScalarType stored, ScalarType destinationType)
    {
        using var reader = SafetensorsReader.Open(Write(stored, 67, 33));
        using var expected = reader.Read("w", destinationType);
        using var destination = full([67, 33], -1, destinationType);
        using var alias = destination.view(-1); // shares the destination's storage

        reader.ReadInto("w", destination);

        Assert.Equal(expected.bytes.ToArray(), destination.bytes.ToArray());
        Assert.Equal(expected.bytes.ToArray(), alias.bytes.ToArray()); // written in place, not replaced
    }

    [Fact]
    public void A_non_contiguous_destination_is_filled_element_by_element()
    {
        using var reader = SafetensorsReader.Open(Write(ScalarType.BFloat16, 6, 10));
        using var expected = reader.Read("w", ScalarType.Float32);
        using var storage = zeros([10, 6], ScalarType.Float32);
        using var destination = storage.t(); // shape [6, 10], strides (1, 6)

        reader.ReadInto("w", destination);

        Assert.False(destination.is_contiguous());
        Assert.True(AllEqual(destination, expected));
    }

    [Fact]
    public void A_contiguous_slice_of_a_larger_tensor_is_written_and_its_neighbours_are_not()
    {
        using var reader = SafetensorsReader.Open(Write(ScalarType.BFloat16, 3, 40));
        using var expected = reader.Read("w", ScalarType.Float32);
        using var storage = full([5, 3, 40], 9f);
        using var destination = storage[2]; // contiguous, at an offset inside the storage

        reader.ReadInto("w", destination);

        Assert.True(AllEqual(destination, expected));
        using var before = storage[..2];
        using var after = storage[3..];
        Assert.True(AllEqual(before, 9f));
        Assert.True(AllEqual(after, 9f));
    }

    [Fact]
    public void A_model_parameter_is_loaded_without_autograd_seeing_it()
    {
        using var reader = SafetensorsReader.Open(Write(ScalarType.BFloat16, 8, 4));
        using var expected = reader.Read("w", ScalarType.Float32);
        using var parameter = new TorchSharp.Modules.Parameter(zeros([8, 4]));

        reader.ReadInto("w", parameter);

        Assert.True(parameter.requires_grad);
        Assert.True(parameter.is_leaf);
        using var values = parameter.detach();
        Assert.True(AllEqual(values, expected));
        using var loss = parameter.sum();
        loss.backward();
        Assert.True(AllEqual(parameter.grad!, 1f));
    }

    [Fact]
    public void A_destination_of_another_shape_is_refused_before_anything_is_written()
    {
        var path = Write(ScalarType.Float32, 4, 6);
        using var reader = SafetensorsReader.Open(path);
        using var destination = full([6, 4], 3f);

        var error = Assert.Throws<ArgumentException>(() => reader.ReadInto("w", destination));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("'w'", error.Message, StringComparison.Ordinal);
        Assert.Contains("[4, 6]", error.Message, StringComparison.Ordinal);
        Assert.Contains("[6, 4]", error.Message, StringComparison.Ordinal);
        Assert.True(AllEqual(destination, 3f));
    }

    [Fact]
    public void A_checkpoint_reads_into_existing_tensors_and_reports_progress()
    {
        Write(ScalarType.BFloat16, 16, 8);
        var reports = new List<CheckpointProgress>();
        using var checkpoint = Checkpoint.Open(_folder, new Progress(reports.Add));
        using var expected = checkpoint.Get("w", ScalarType.Float32, CPU);
        using var destination = empty([16, 8]);

        checkpoint.ReadInto("w", destination);

        Assert.True(AllEqual(destination, expected));
        Assert.Equal(checkpoint.TotalBytes, reports[^1].BytesRead - checkpoint.TotalBytes);
        Assert.Throws<KeyNotFoundException>(() => checkpoint.ReadInto("missing", destination));
    }

    // Element-wise equality of every element, with the intermediate tensors disposed.
    private static bool AllEqual(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        return actual.eq(expected).all().item<bool>();
    }

    private static bool AllEqual(Tensor actual, float expected)
    {
        using var scope = NewDisposeScope();
        return actual.eq(expected).all().item<bool>();
    }

    private sealed class Progress(Action<CheckpointProgress> report) : IProgress<CheckpointProgress>
    {
        public void Report(CheckpointProgress value) => report(value);
    }
}
