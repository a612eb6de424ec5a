using System.Text.Json;

namespace PrecisionAnalyzers.Runtime.Checkpoints;

/// <summary>
/// The parsed and fully validated header of a safetensors file. Every rule is checked before any tensor is trusted: the
/// header's length and JSON, unique names, the metadata's shape, each entry's schema and dtype, overflow-checked sizes, and
/// offsets that tile the data area exactly (from 0, no hole, no overlap, ending at the end of the file).
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>The largest header the reader accepts, as the reference implementation does.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private SafetensorsHeader(IReadOnlyList<SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata, long headerLength)
    {
        Tensors = tensors;
        Metadata = metadata;
        HeaderLength = headerLength;
    }

    /// <summary>The tensors in file order (by offset).</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary><c>__metadata__</c>, empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The JSON header's length in bytes (N); the data area starts at 8 + N.</summary>
    public long HeaderLength { get; }

    public long DataStart => 8 + HeaderLength;

    /// <summary>Checks the 8-byte length prefix against the file size and returns N.</summary>
    public static long ReadLength(ReadOnlySpan<byte> prefix, long fileLength, string path)
    {
        if (fileLength < 8 || prefix.Length < 8)
        {
            throw new SafetensorsFormatException(path, null, SafetensorsRule.FileTooSmall, $"the file has {fileLength} bytes; a safetensors file starts with an 8-byte header length");
        }

        var length = BitConverter.ToUInt64(prefix[..8]);
        if (!BitConverter.IsLittleEndian)
        {
            length = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(length);
        }

        if (length > MaxHeaderLength)
        {
            throw new SafetensorsFormatException(path, null, SafetensorsRule.HeaderLength, $"the header length {length} exceeds the limit of {MaxHeaderLength} bytes");
        }

        if ((long)length > fileLength - 8)
        {
            throw new SafetensorsFormatException(path, null, SafetensorsRule.HeaderLength, $"the header length {length} runs past the end of the file ({fileLength} bytes)");
        }

        return (long)length;
    }

    /// <summary>Parses and validates the JSON header of a file whose data area has <paramref name="dataLength"/> bytes.</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string path)
    {
        if (json.Length == 0 || json[0] != (byte)'{')
        {
            throw new SafetensorsFormatException(path, null, SafetensorsRule.HeaderJson, "the header must begin with '{'");
        }

        // JsonDocument checks the UTF-8 of strings only when they are read, and then throws InvalidOperationException.
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            throw new SafetensorsFormatException(path, null, SafetensorsRule.HeaderJson, "the header is not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, null, SafetensorsRule.HeaderJson, "the header is not valid UTF-8 JSON: " + e.Message, e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SafetensorsFormatException(path, null, SafetensorsRule.HeaderJson, "the header must be a JSON object");
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            var tensors = new List<SafetensorsTensorInfo>();
            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw new SafetensorsFormatException(path, property.Name, SafetensorsRule.DuplicateName, "the name appears more than once in the header");
                }

                if (property.Name == "__metadata__")
                {
                    metadata = ReadMetadata(property.Value, path);
                }
                else
                {
                    tensors.Add(ReadEntry(property.Name, property.Value, path));
                }
            }

            ValidateLayout(tensors, dataLength, path);
            return new SafetensorsHeader(tensors, metadata, json.Length);
        }
    }

    private static Dictionary<string, string> ReadMetadata(JsonElement value, string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (value.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsFormatException(path, null, SafetensorsRule.Metadata, "__metadata__ must be an object of strings");
        }

        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafetensorsFormatException(path, null, SafetensorsRule.Metadata, $"__metadata__ value of '{entry.Name}' must be a string, not {entry.Value.ValueKind}");
            }

            if (!result.TryAdd(entry.Name, entry.Value.GetString()!))
            {
                throw new SafetensorsFormatException(path, null, SafetensorsRule.Metadata, $"__metadata__ key '{entry.Name}' appears more than once");
            }
        }

        return result;
    }

    private static SafetensorsTensorInfo ReadEntry(string name, JsonElement entry, string path)
    {
        SafetensorsFormatException Schema(string message) => new(path, name, SafetensorsRule.EntrySchema, message);

        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw Schema("the entry must be an object with dtype, shape and data_offsets");
        }

        string? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        foreach (var field in entry.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when field.Value.ValueKind == JsonValueKind.String && dtype is null:
                    dtype = field.Value.GetString();
                    break;
                case "shape" when shape is null:
                    shape = ReadIntegers(field.Value, path, name, "shape");
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadIntegers(field.Value, path, name, "data_offsets");
                    break;
                default:
                    throw Schema($"unexpected or repeated field '{field.Name}' (an entry has exactly dtype, shape and data_offsets)");
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            throw Schema("the entry needs dtype (a string), shape and data_offsets (arrays of whole numbers)");
        }

        if (offsets.Length != 2)
        {
            throw Schema($"data_offsets must hold exactly 2 numbers, not {offsets.Length}");
        }

        if (!SafetensorsDtypes.TryGet(dtype, out var type, out _))
        {
            throw new SafetensorsFormatException(path, name, SafetensorsRule.UnsupportedDtype, SafetensorsDtypes.IsKnownButUnsupported(dtype)
                ? $"dtype {dtype} is part of the format but TorchSharp 0.107 has no tensor type for it; convert the checkpoint to F32, F16 or BF16"
                : $"dtype '{dtype}' is not a safetensors dtype");
        }

        return new SafetensorsTensorInfo(name, dtype, type, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(JsonElement value, string path, string name, string field)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new SafetensorsFormatException(path, name, SafetensorsRule.EntrySchema, $"{field} must be an array of whole numbers");
        }

        var result = new long[value.GetArrayLength()];
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var number))
            {
                throw new SafetensorsFormatException(path, name, SafetensorsRule.EntrySchema, $"{field} must hold whole numbers that fit in 64 bits");
            }

            if (number < 0)
            {
                throw new SafetensorsFormatException(path, name, field == "shape" ? SafetensorsRule.EntrySchema : SafetensorsRule.OffsetsOutOfRange, $"{field} holds a negative number ({number})");
            }

            result[i++] = number;
        }

        return result;
    }

    private static void ValidateLayout(List<SafetensorsTensorInfo> tensors, long dataLength, string path)
    {
        foreach (var tensor in tensors)
        {
            if (tensor.End < tensor.Begin)
            {
                throw new SafetensorsFormatException(path, tensor.Name, SafetensorsRule.OffsetsOutOfRange, $"data_offsets [{tensor.Begin}, {tensor.End}] end before they begin");
            }

            if (tensor.End > dataLength)
            {
                throw new SafetensorsFormatException(path, tensor.Name, SafetensorsRule.OffsetsOutOfRange, $"data_offsets [{tensor.Begin}, {tensor.End}] run past the data area ({dataLength} bytes)");
            }

            SafetensorsDtypes.TryGet(tensor.Dtype, out _, out var size);
            long expected;
            try
            {
                expected = checked(tensor.Shape.Aggregate(1L, (a, b) => checked(a * b)) * size);
            }
            catch (OverflowException)
            {
                throw new SafetensorsFormatException(path, tensor.Name, SafetensorsRule.SizeMismatch, $"shape [{string.Join(", ", tensor.Shape)}] overflows");
            }

            if (expected != tensor.ByteLength)
            {
                throw new SafetensorsFormatException(path, tensor.Name, SafetensorsRule.SizeMismatch,
                    $"shape [{string.Join(", ", tensor.Shape)}] of {tensor.Dtype} needs {expected} bytes but data_offsets give {tensor.ByteLength}");
            }
        }

        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long position = 0;
        foreach (var tensor in tensors)
        {
            if (tensor.Begin != position)
            {
                throw new SafetensorsFormatException(path, tensor.Name, SafetensorsRule.NotContiguous, tensor.Begin > position
                    ? $"begins at {tensor.Begin}, leaving a hole after byte {position}"
                    : $"begins at {tensor.Begin}, overlapping the tensor that ends at {position}");
            }

            position = tensor.End;
        }

        if (position != dataLength)
        {
            throw new SafetensorsFormatException(path, null, SafetensorsRule.TrailingBytes, $"the tensors end at byte {position} of a {dataLength}-byte data area");
        }
    }
}
