using System.Text;

namespace PrecisionAnalyzers.Benchmarks.Decode.Gguf;

/// <summary>
/// Writes a GGUF v3 file (the format llama.cpp loads), written from the published format description: a header
/// (<c>GGUF</c>, version, tensor count, key-value count), the key-value metadata, one info record per tensor (name,
/// dimensions innermost first, type, offset), then the tensor data, each tensor aligned to <see cref="Alignment"/> bytes.
/// Only what the benchmark needs: scalar, string and array metadata; F32, F16 and BF16 tensors.
/// </summary>
internal sealed class GgufWriter
{
    /// <summary>GGUF's default alignment of the data section and of each tensor in it.</summary>
    public const int Alignment = 32;

    private const uint Version = 3;

    private readonly List<(string Key, Action<BinaryWriter> Value)> _metadata = [];
    private readonly List<(string Name, long[] Dimensions, GgufTensorType Type, byte[] Data)> _tensors = [];

    // Value types of the metadata (GGUF numbering).
    private const uint TypeUInt32 = 4;
    private const uint TypeInt32 = 5;
    private const uint TypeFloat32 = 6;
    private const uint TypeBool = 7;
    private const uint TypeString = 8;
    private const uint TypeArray = 9;

    public void Add(string key, uint value) => _metadata.Add((key, w => { w.Write(TypeUInt32); w.Write(value); }));

    public void Add(string key, float value) => _metadata.Add((key, w => { w.Write(TypeFloat32); w.Write(value); }));

    public void Add(string key, bool value) => _metadata.Add((key, w => { w.Write(TypeBool); w.Write((byte)(value ? 1 : 0)); }));

    public void Add(string key, string value) => _metadata.Add((key, w => { w.Write(TypeString); WriteString(w, value); }));

    public void Add(string key, IReadOnlyList<string> values) => _metadata.Add((key, w =>
    {
        w.Write(TypeArray);
        w.Write(TypeString);
        w.Write((ulong)values.Count);
        foreach (var value in values)
        {
            WriteString(w, value);
        }
    }));

    public void Add(string key, IReadOnlyList<float> values) => _metadata.Add((key, w =>
    {
        w.Write(TypeArray);
        w.Write(TypeFloat32);
        w.Write((ulong)values.Count);
        foreach (var value in values)
        {
            w.Write(value);
        }
    }));

    public void Add(string key, IReadOnlyList<int> values) => _metadata.Add((key, w =>
    {
        w.Write(TypeArray);
        w.Write(TypeInt32);
        w.Write((ulong)values.Count);
        foreach (var value in values)
        {
            w.Write(value);
        }
    }));

    /// <summary>Adds a tensor; <paramref name="dimensions"/> innermost first (a PyTorch [rows, columns] weight is [columns, rows]).</summary>
    public void AddTensor(string name, long[] dimensions, GgufTensorType type, byte[] data)
    {
        var elements = dimensions.Aggregate(1L, (a, b) => a * b);
        var size = type == GgufTensorType.F32 ? 4 : 2;
        if (elements * size != data.Length)
        {
            throw new ArgumentException($"Tensor '{name}': {data.Length} bytes for {elements} elements of {type}.", nameof(data));
        }

        _tensors.Add((name, dimensions, type, data));
    }

    public void Write(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: false);
        writer.Write("GGUF"u8);
        writer.Write(Version);
        writer.Write((ulong)_tensors.Count);
        writer.Write((ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            WriteString(writer, key);
            value(writer);
        }

        var offset = 0L;
        var offsets = new List<long>();
        foreach (var (name, dimensions, type, data) in _tensors)
        {
            WriteString(writer, name);
            writer.Write((uint)dimensions.Length);
            foreach (var dimension in dimensions)
            {
                writer.Write((ulong)dimension);
            }

            writer.Write((uint)type);
            writer.Write((ulong)offset);
            offsets.Add(offset);
            offset = Align(offset + data.Length);
        }

        Pad(writer);
        var start = stream.Position;
        for (var i = 0; i < _tensors.Count; i++)
        {
            if (stream.Position - start != offsets[i])
            {
                throw new InvalidOperationException($"GGUF writer: tensor '{_tensors[i].Name}' at {stream.Position - start}, expected {offsets[i]}.");
            }

            writer.Write(_tensors[i].Data);
            Pad(writer);
        }
    }

    private static long Align(long position) => (position + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter writer)
    {
        var position = writer.BaseStream.Position;
        for (var i = position; i < Align(position); i++)
        {
            writer.Write((byte)0);
        }
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }
}
