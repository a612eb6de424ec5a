namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>A minimal protobuf wire-format reader over a byte range; malformed input is a <see cref="FormatException"/>.</summary>
internal sealed class ProtoReader(byte[] data, int start, int length)
{
    private readonly int _end = start + length;
    private int _position = start;

    public bool Next(out int field, out int wire)
    {
        if (_position >= _end)
        {
            field = wire = 0;
            return false;
        }

        var tag = Varint();
        field = (int)(tag >> 3);
        wire = (int)(tag & 7);
        if (field == 0)
        {
            throw new FormatException($"field number 0 at byte {_position}");
        }

        return true;
    }

    public ulong Varint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            Need(1);
            var b = data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new FormatException($"varint longer than 10 bytes at byte {_position}");
    }

    public float Float()
    {
        Need(4);
        var value = BitConverter.ToSingle(data, _position);
        _position += 4;
        return value;
    }

    public (int Start, int Length) Span()
    {
        var n = Varint();
        if (n > int.MaxValue)
        {
            throw new FormatException($"length {n} at byte {_position}");
        }

        Need((int)n);
        var s = _position;
        _position += (int)n;
        return (s, (int)n);
    }

    public byte[] Bytes()
    {
        var (s, n) = Span();
        return data.AsSpan(s, n).ToArray();
    }

    public void Skip(int wire)
    {
        switch (wire)
        {
            case 0: Varint(); break;
            case 1: Need(8); _position += 8; break;
            case 2: Span(); break;
            case 5: Need(4); _position += 4; break;
            default: throw new FormatException($"unsupported wire type {wire} at byte {_position}");
        }
    }

    private void Need(int count)
    {
        if (count < 0 || _position + count > _end)
        {
            throw new FormatException($"the data ends at byte {_end}, {count} more bytes were expected at byte {_position}");
        }
    }
}
