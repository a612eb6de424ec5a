using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Quantization;

/// <summary>
/// A weight matrix [out, in] in a block format (<see cref="WeightQuantization.Int8"/> or <see cref="WeightQuantization.Int4"/>),
/// blocks of 32 along the input dimension, each row padded to whole blocks. Held as tensors on the model's device:
/// the packed values, one BF16 scale per block, and for int4 one BF16 minimum per block.
/// </summary>
public sealed unsafe class QuantizedWeight : IDisposable
{
    private QuantizedWeight(WeightQuantization format, long rows, long columns, Tensor values, Tensor scales, Tensor? minimums)
    {
        Format = format;
        Rows = rows;
        Columns = columns;
        Values = values;
        Scales = scales;
        Minimums = minimums;
    }

    public WeightQuantization Format { get; }

    /// <summary>Output features.</summary>
    public long Rows { get; }

    /// <summary>Input features.</summary>
    public long Columns { get; }

    /// <summary>Blocks per row (the last one zero-padded when <see cref="Columns"/> is not a multiple of 32).</summary>
    public long Blocks => (Columns + BlockQuantizer.BlockSize - 1) / BlockQuantizer.BlockSize;

    /// <summary>Int8: int8 [rows, blocks·32]; int4: uint8 [rows, blocks·16], two values a byte.</summary>
    internal Tensor Values { get; }

    /// <summary>BF16 [rows, blocks].</summary>
    internal Tensor Scales { get; }

    /// <summary>Int4 only: BF16 [rows, blocks].</summary>
    internal Tensor? Minimums { get; }

    /// <summary>Bytes held: values, scales and minimums.</summary>
    public long Bytes => (Values.numel() * Values.ElementSize) + (Scales.numel() * 2) + ((Minimums?.numel() ?? 0) * 2);

    /// <summary>Bytes a weight of <paramref name="format"/> takes, counting its share of the block's scale and minimum.</summary>
    public static double BytesPerWeight(WeightQuantization format) => format switch
    {
        WeightQuantization.Int8 => 1 + (2.0 / BlockQuantizer.BlockSize),
        WeightQuantization.Int4 => 0.5 + (4.0 / BlockQuantizer.BlockSize),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "only Int8 and Int4 are block formats."),
    };

    /// <summary>
    /// Quantizes <paramref name="weight"/> (any float dtype, any device; [out, in]) and puts the result on
    /// <paramref name="device"/>. Reads the weight one row block at a time through an FP32 copy of the one tensor.
    /// </summary>
    public static QuantizedWeight Quantize(Tensor weight, WeightQuantization format, Device device)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.dim() != 2)
        {
            throw new ArgumentException($"a weight to quantize must be a matrix [out, in]; this one has shape [{string.Join(", ", weight.shape)}].", nameof(weight));
        }

        return Quantize(weight.shape[0], weight.shape[1], format, device, () => weight.alias());
    }

    /// <summary>
    /// Quantizes the [<paramref name="rows"/>, <paramref name="columns"/>] weight <paramref name="read"/> returns (a tensor
    /// this method disposes). The blocks are allocated before the weight is read, so the transient FP32 copy is freed last.
    /// </summary>
    internal static QuantizedWeight Quantize(long rows, long columns, WeightQuantization format, Device device, Func<Tensor> read)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(read);
        if (format is not (WeightQuantization.Int8 or WeightQuantization.Int4))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "only Int8 and Int4 are block formats.");
        }

        using var noGrad = no_grad();
        var blocks = (columns + BlockQuantizer.BlockSize - 1) / BlockQuantizer.BlockSize;
        var int8 = format == WeightQuantization.Int8;
        var values = empty(int8 ? [rows, blocks * BlockQuantizer.BlockSize] : [rows, blocks * BlockQuantizer.BlockSize / 2], int8 ? ScalarType.Int8 : ScalarType.Byte);
        var scales = empty([rows, blocks], ScalarType.BFloat16);
        var minimums = int8 ? null : empty([rows, blocks], ScalarType.BFloat16);
        Tensor weight;
        try
        {
            weight = read();
        }
        catch
        {
            values.Dispose();
            scales.Dispose();
            minimums?.Dispose();
            throw;
        }

        using var owned = weight;
        using var source = weight.to(ScalarType.Float32, CPU, copy: false).contiguous();
        var from = (float*)NativeData.Of(source);
        var v = (byte*)NativeData.Of(values);
        var s = (ushort*)NativeData.Of(scales);
        var m = minimums is null ? null : (ushort*)NativeData.Of(minimums);
        var rowBytes = values.shape[1];
        Parallel.For(0, (int)rows, row =>
        {
            var input = new ReadOnlySpan<float>(from + (row * columns), (int)columns);
            var rowScales = new Span<ushort>(s + (row * blocks), (int)blocks);
            if (int8)
            {
                BlockQuantizer.Int8Row(input, new Span<sbyte>(v + (row * rowBytes), (int)rowBytes), rowScales);
            }
            else
            {
                BlockQuantizer.Int4Row(input, new Span<byte>(v + (row * rowBytes), (int)rowBytes), rowScales, new Span<ushort>(m + (row * blocks), (int)blocks));
            }
        });

        if (device.type == TorchSharp.DeviceType.CPU)
        {
            return new QuantizedWeight(format, rows, columns, values, scales, minimums);
        }

        try
        {
            return new QuantizedWeight(format, rows, columns, values.to(device), scales.to(device), minimums?.to(device));
        }
        finally
        {
            values.Dispose();
            scales.Dispose();
            minimums?.Dispose();
        }
    }

    /// <summary>The weight [out, in] in <paramref name="dtype"/> on the weight's device (a new tensor the caller owns).</summary>
    public Tensor Dequantize(ScalarType dtype) => DequantizeRows(Values, Scales, Minimums, dtype);

    /// <summary>Rows <paramref name="rows"/> (int64 indices) dequantized to <paramref name="dtype"/>: an embedding lookup.</summary>
    public Tensor Lookup(Tensor rows, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var scope = NewDisposeScope();
        var picked = DequantizeRows(Values.index_select(0, rows), Scales.index_select(0, rows), Minimums?.index_select(0, rows), dtype);
        return picked.MoveToOuterDisposeScope();
    }

    private Tensor DequantizeRows(Tensor packed, Tensor scales, Tensor? minimums, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var rows = packed.shape[0];
        var blocks = Blocks;
        var values = Format == WeightQuantization.Int8
            ? packed.view(rows, blocks, BlockQuantizer.BlockSize).to_type(ScalarType.Float32)
            : Unpack(packed.view(rows, blocks, BlockQuantizer.BlockSize / 2));
        var scaled = values * scales.to_type(ScalarType.Float32).unsqueeze(-1);
        if (minimums is not null)
        {
            scaled = scaled + minimums.to_type(ScalarType.Float32).unsqueeze(-1);
        }

        var weight = scaled.view(rows, blocks * BlockQuantizer.BlockSize).narrow(1, 0, Columns).to_type(dtype).contiguous();
        return weight.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// x·Wᵀ + b in x's dtype. A single row on the CPU runs the block kernel (weights dequantized in registers); anything
    /// else (prefill, CUDA, gradients) dequantizes the whole weight to x's dtype for the call and uses libtorch.
    /// </summary>
    public Tensor Linear(Tensor x, Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.shape[^1] != Columns)
        {
            throw new ArgumentException($"the input has {x.shape[^1]} features; the weight takes {Columns}.", nameof(x));
        }

        return QuantizedGemv.TryLinear(x, this, bias) ?? DequantizedLinear(x, bias);
    }

    /// <summary>
    /// The reference path: dequantize to x's dtype, then libtorch's linear; a large weight (an LM head over a big vocabulary)
    /// in slices of rows, so the transient copy stays near <see cref="SliceElements"/> elements.
    /// </summary>
    internal Tensor DequantizedLinear(Tensor x, Tensor? bias)
    {
        if (Rows * Columns <= SliceElements)
        {
            using var weight = Dequantize(x.dtype);
            return F.linear(x, weight, bias);
        }

        using var scope = NewDisposeScope();
        var step = Math.Max(1, SliceElements / Columns);
        var parts = new List<Tensor>();
        for (long first = 0; first < Rows; first += step)
        {
            var count = Math.Min(step, Rows - first);
            using var slice = DequantizeRows(Values.narrow(0, first, count), Scales.narrow(0, first, count), Minimums?.narrow(0, first, count), x.dtype);
            parts.Add(F.linear(x, slice, bias?.narrow(0, first, count)));
        }

        return cat(parts, -1).MoveToOuterDisposeScope();
    }

    /// <summary>Elements of weight dequantized at a time on the reference path (64 Mi: 256 MB in FP32).</summary>
    internal static long SliceElements { get; set; } = 64L << 20;

    public void Dispose()
    {
        Values.Dispose();
        Scales.Dispose();
        Minimums?.Dispose();
    }

    // Int4 bytes [rows, blocks, 16] to values [rows, blocks, 32]: low nibbles are inputs 0..15, high nibbles 16..31.
    private static Tensor Unpack(Tensor packed)
    {
        var low = packed.bitwise_and(15);
        var high = packed.bitwise_right_shift(4);
        return cat([low, high], 2).to_type(ScalarType.Float32);
    }
}
