using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Checkpoints;

public sealed class SafetensorsRoundTripTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("precision-st-").FullName;

    public SafetensorsRoundTripTests() => TorchSharpLoader.EnsureLoaded();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Tensor Sample(ScalarType type, long[] shape, int seed)
    {
        var random = new Random(seed);
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var values = Enumerable.Range(0, (int)count).Select(_ => (random.NextDouble() * 200) - 100).ToArray();
        using var doubles = tensor(values, ScalarType.Float64).reshape(shape);
        return type == ScalarType.Bool ? doubles.gt(0) : doubles.to(type);
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Int16)]
    [InlineData(ScalarType.Int8)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Bool)]
    public void Every_dtype_round_trips_bit_exactly(ScalarType type)
    {
        using var original = Sample(type, [3, 5], seed: (int)type);
        var path = Path.Combine(_folder, "model.safetensors");

        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = original }, new Dictionary<string, string> { ["format"] = "pt" });
        using var reader = SafetensorsReader.Open(path);
        using var read = reader.Read("t");

        Assert.Equal(type, read.dtype);
        Assert.Equal(original.shape, read.shape);
        Assert.Equal(original.bytes.ToArray(), read.bytes.ToArray());
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal(SafetensorsDtypes.NameOf(type), Assert.Single(reader.Tensors).Dtype);
    }

    [Fact]
    public void The_header_is_padded_so_every_tensor_is_aligned()
    {
        using var a = Sample(ScalarType.Byte, [3], 1);
        using var b = Sample(ScalarType.Float64, [2], 2);
        using var c = Sample(ScalarType.Float16, [3], 3);
        var path = Path.Combine(_folder, "model.safetensors");

        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b, ["c"] = c });
        using var reader = SafetensorsReader.Open(path);

        Assert.Equal(0, reader.Header.DataStart % 8);
        Assert.Equal(new[] { "b", "c", "a" }, reader.Tensors.Select(t => t.Name)); // descending element size, then name
        Assert.All(reader.Tensors, t => Assert.Equal(0, (reader.Header.DataStart + t.Begin) % SafetensorsDtypes.ElementSize(t.Type)));
    }

    [Fact]
    public void Float32_to_BFloat16_rounds_to_nearest_even_as_computed_independently()
    {
        var values = new float[] { 1f, 1.00390625f, 1.01171875f, -3.14159f, 65504f, 1e-30f, 3.4e38f, float.NaN };
        using var original = tensor(values);
        var path = Path.Combine(_folder, "model.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = original });

        using var reader = SafetensorsReader.Open(path);
        using var converted = reader.Read("t", ScalarType.BFloat16);

        var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(converted.bytes).ToArray();
        var expected = values.Select(ToBFloat16).ToArray();
        Assert.Equal(expected[..^1], bits[..^1]);
        Assert.True((bits[^1] & 0x7F80) == 0x7F80 && (bits[^1] & 0x7F) != 0); // NaN stays NaN
    }

    [Fact]
    public void BFloat16_to_Float32_is_exact()
    {
        var random = new Random(7);
        var bits = Enumerable.Range(0, 64).Select(_ => (ushort)random.Next(0, 0x7F7F)).ToArray();
        using var stored = empty(64, ScalarType.BFloat16);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(bits.AsSpan()).CopyTo(stored.bytes);
        var path = Path.Combine(_folder, "model.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = stored });

        using var reader = SafetensorsReader.Open(path);
        using var widened = reader.Read("t", ScalarType.Float32);

        var expected = bits.Select(b => BitConverter.Int32BitsToSingle(b << 16)).ToArray();
        Assert.Equal(expected, widened.data<float>().ToArray());
    }

    [Theory]
    [InlineData(1L << 30, false)]
    [InlineData(4000, false)]
    [InlineData(4000, true)] // into existing tensors, every piece written with non-temporal stores
    public void Vectorised_conversions_agree_with_the_definition_on_many_values_and_across_pieces(long chunkBytes, bool intoExisting)
    {
        var random = new Random(11);
        var bits = new uint[5003];
        for (var i = 0; i < bits.Length; i++)
        {
            bits[i] = (uint)random.NextInt64(0, 1L << 32);
        }

        // Ties at the rounding boundary, both parities; NaNs, infinities, subnormals, zeros.
        uint[] special = [0x3F808000, 0x3F818000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFFFFFFF, 0x00000001, 0x00008000, 0x80000000, 0, 0x7F7FFFFF];
        special.CopyTo(bits, 100);
        using var original = empty(bits.Length, ScalarType.Float32);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(bits.AsSpan()).CopyTo(original.bytes);
        var path = Path.Combine(_folder, "model.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = original });
        var chunk = SafetensorsReader.CopyChunkBytes;
        var streaming = DtypeConverter.StreamingBytes;
        try
        {
            SafetensorsReader.CopyChunkBytes = chunkBytes;
            DtypeConverter.StreamingBytes = intoExisting ? 0 : streaming;
            using var reader = SafetensorsReader.Open(path);
            using var narrowed = Read(reader, ScalarType.BFloat16, intoExisting);
            var narrowedBits = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(narrowed.bytes).ToArray();
            for (var i = 0; i < bits.Length; i++)
            {
                var isNaN = (bits[i] & 0x7FFFFFFF) > 0x7F800000;
                if (isNaN)
                {
                    Assert.True((narrowedBits[i] & 0x7F80) == 0x7F80 && (narrowedBits[i] & 0x7F) != 0, $"NaN at {i}");
                }
                else
                {
                    Assert.Equal(ToBFloat16(BitConverter.UInt32BitsToSingle(bits[i])), narrowedBits[i]);
                }
            }

            SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = narrowed });
            using var again = SafetensorsReader.Open(path);
            using var widened = Read(again, ScalarType.Float32, intoExisting);
            var widenedBits = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(widened.bytes).ToArray();
            Assert.Equal(narrowedBits.Select(b => (uint)b << 16), widenedBits);
        }
        finally
        {
            SafetensorsReader.CopyChunkBytes = chunk;
            DtypeConverter.StreamingBytes = streaming;
        }
    }

    private static Tensor Read(SafetensorsReader reader, ScalarType type, bool intoExisting)
    {
        if (!intoExisting)
        {
            return reader.Read("t", type);
        }

        var destination = empty(reader.Info("t").Shape, type);
        reader.ReadInto("t", destination);
        return destination;
    }

    [Fact]
    public void Tensors_larger_than_one_copy_chunk_are_copied_in_pieces()
    {
        using var original = Sample(ScalarType.Float32, [37, 11], 5);
        var path = Path.Combine(_folder, "model.safetensors");
        var chunk = SafetensorsReader.CopyChunkBytes;
        try
        {
            SafetensorsReader.CopyChunkBytes = 20; // 5 floats a piece, 407 floats in all: the last piece is partial
            SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = original });
            using var reader = SafetensorsReader.Open(path);
            using var read = reader.Read("t");

            Assert.Equal(original.bytes.ToArray(), read.bytes.ToArray());
        }
        finally
        {
            SafetensorsReader.CopyChunkBytes = chunk;
        }
    }

    [Fact]
    public void Writing_is_atomic_a_cancelled_write_leaves_the_old_file_and_no_temporary()
    {
        using var first = Sample(ScalarType.Float32, [4], 1);
        using var second = Sample(ScalarType.Float32, [4], 2);
        var path = Path.Combine(_folder, "model.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = first });
        var before = File.ReadAllBytes(path);

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = second }, cancellationToken: cancelled.Token));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_folder));
    }

    private static ushort ToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var rounding = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }
}
