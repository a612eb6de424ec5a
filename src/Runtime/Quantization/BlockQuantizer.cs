namespace PrecisionAnalyzers.Runtime.Quantization;

/// <summary>
/// The arithmetic of the block formats, one row at a time. Scales and minimums are stored as BFloat16 bit patterns and the
/// weights are quantized against the stored (rounded) values, so rounding the scale costs resolution, never a bias:
/// int8 scales are rounded up (no value clips), int4 minimums down and scales up (every value stays in 0..15).
/// </summary>
internal static class BlockQuantizer
{
    /// <summary>Inputs sharing one scale (and minimum).</summary>
    public const int BlockSize = 32;

    /// <summary>
    /// Int8: for each block of 32 (the last zero-padded), scale = max|w| / 127 rounded up to BF16, q = round(w / scale).
    /// <paramref name="values"/> holds blocks·32 bytes, <paramref name="scales"/> one BF16 pattern per block.
    /// </summary>
    public static void Int8Row(ReadOnlySpan<float> row, Span<sbyte> values, Span<ushort> scales)
    {
        for (var block = 0; block < scales.Length; block++)
        {
            var start = block * BlockSize;
            var part = row.Slice(start, Math.Min(BlockSize, row.Length - start));
            var max = 0f;
            foreach (var w in part)
            {
                max = Math.Max(max, Math.Abs(w));
            }

            var scaleBits = RoundUp(max / 127f);
            scales[block] = scaleBits;
            var scale = ToFloat(scaleBits);
            var inverse = scale == 0 ? 0 : 1 / scale;
            var target = values.Slice(start, BlockSize);
            target.Clear();
            for (var i = 0; i < part.Length; i++)
            {
                target[i] = (sbyte)Math.Clamp(MathF.Round(part[i] * inverse), -127, 127);
            }
        }
    }

    /// <summary>
    /// Int4: for each block of 32, minimum m (rounded down to BF16) and scale s = (max − m) / 15 (rounded up to BF16),
    /// q = round((w − m) / s) in 0..15. Byte j of a block holds element j in its low nibble and element j + 16 in its high
    /// nibble, so one 16-byte load unpacks into two runs of 16 consecutive inputs.
    /// </summary>
    public static void Int4Row(ReadOnlySpan<float> row, Span<byte> values, Span<ushort> scales, Span<ushort> minimums)
    {
        Span<byte> q = stackalloc byte[BlockSize];
        for (var block = 0; block < scales.Length; block++)
        {
            var start = block * BlockSize;
            var part = row.Slice(start, Math.Min(BlockSize, row.Length - start));
            var min = float.MaxValue;
            var max = float.MinValue;
            foreach (var w in part)
            {
                min = Math.Min(min, w);
                max = Math.Max(max, w);
            }

            var minBits = RoundDown(min);
            var m = ToFloat(minBits);
            var scaleBits = RoundUp((max - m) / 15f);
            var s = ToFloat(scaleBits);
            var inverse = s == 0 ? 0 : 1 / s;
            minimums[block] = minBits;
            scales[block] = scaleBits;
            q.Clear();
            for (var i = 0; i < part.Length; i++)
            {
                q[i] = (byte)Math.Clamp(MathF.Round((part[i] - m) * inverse), 0, 15);
            }

            // Padding inputs dequantize to m, but the activation there is zero, so they add nothing.
            var target = values.Slice(block * (BlockSize / 2), BlockSize / 2);
            for (var j = 0; j < BlockSize / 2; j++)
            {
                target[j] = (byte)(q[j] | (q[j + (BlockSize / 2)] << 4));
            }
        }
    }

    /// <summary>The float a BF16 bit pattern stands for.</summary>
    public static float ToFloat(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>The BF16 pattern of the smallest BF16 ≥ <paramref name="value"/> (value ≥ 0, finite).</summary>
    public static ushort RoundUp(float value) => value < 0 ? (ushort)(TowardZero(value)) : AwayFromZero(value);

    /// <summary>The BF16 pattern of the largest BF16 ≤ <paramref name="value"/>.</summary>
    public static ushort RoundDown(float value) => value < 0 ? AwayFromZero(value) : TowardZero(value);

    private static ushort TowardZero(float value) => (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16);

    private static ushort AwayFromZero(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0xFFFF) != 0 && float.IsFinite(value))
        {
            bits += 0x10000;
        }

        return (ushort)(bits >> 16);
    }
}
