using Google.Protobuf;

namespace PrecisionAnalyzers.Tests.Shared;

/// <summary>
/// A minimal reader of the ONNX protobuf (onnx.proto3): the graph's initializers, nodes, inputs and outputs, which ONNX
/// Runtime does not expose. Field numbers: ModelProto.graph 7; GraphProto node 1, initializer 5, input 11, output 12;
/// NodeProto input 1, output 2, op_type 4; TensorProto dims 1, data_type 2, float_data 4, int64_data 7, name 8, raw_data 9,
/// data_location 14; ValueInfoProto name 1.
/// </summary>
internal sealed class OnnxGraphReader
{
    private OnnxGraphReader(Dictionary<string, OnnxTensor> initializers, List<OnnxNode> nodes, List<string> inputs, List<string> outputs)
    {
        Initializers = initializers;
        Nodes = nodes;
        Inputs = inputs;
        Outputs = outputs;
    }

    public IReadOnlyDictionary<string, OnnxTensor> Initializers { get; }

    public IReadOnlyList<OnnxNode> Nodes { get; }

    public IReadOnlyList<string> Inputs { get; }

    public IReadOnlyList<string> Outputs { get; }

    public static OnnxGraphReader Read(byte[] model)
    {
        var input = new CodedInputStream(model);
        ByteString? graph = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 7)
            {
                graph = input.ReadBytes();
            }
            else
            {
                input.SkipLastField();
            }
        }

        if (graph is null)
        {
            throw new InvalidDataException("the ONNX model has no graph");
        }

        var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var nodes = new List<OnnxNode>();
        var inputs = new List<string>();
        var outputs = new List<string>();
        var reader = graph.CreateCodedInput();
        while ((tag = reader.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    nodes.Add(ReadNode(reader.ReadBytes()));
                    break;
                case 5:
                    var tensor = ReadTensor(reader.ReadBytes());
                    initializers[tensor.Name] = tensor;
                    break;
                case 11:
                    inputs.Add(ReadValueInfoName(reader.ReadBytes()));
                    break;
                case 12:
                    outputs.Add(ReadValueInfoName(reader.ReadBytes()));
                    break;
                default:
                    reader.SkipLastField();
                    break;
            }
        }

        return new OnnxGraphReader(initializers, nodes, inputs, outputs);
    }

    private static OnnxNode ReadNode(ByteString bytes)
    {
        var reader = bytes.CreateCodedInput();
        var inputs = new List<string>();
        var outputs = new List<string>();
        var op = string.Empty;
        uint tag;
        while ((tag = reader.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: inputs.Add(reader.ReadString()); break;
                case 2: outputs.Add(reader.ReadString()); break;
                case 4: op = reader.ReadString(); break;
                default: reader.SkipLastField(); break;
            }
        }

        return new OnnxNode(op, inputs, outputs);
    }

    private static string ReadValueInfoName(ByteString bytes)
    {
        var reader = bytes.CreateCodedInput();
        uint tag;
        while ((tag = reader.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1)
            {
                return reader.ReadString();
            }

            reader.SkipLastField();
        }

        return string.Empty;
    }

    private static OnnxTensor ReadTensor(ByteString bytes)
    {
        var reader = bytes.CreateCodedInput();
        var dims = new List<long>();
        byte[]? floats = null;
        var longs = new List<long>();
        var dataType = 0;
        var name = string.Empty;
        byte[]? raw = null;
        uint tag;
        while ((tag = reader.ReadTag()) != 0)
        {
            var field = WireFormat.GetTagFieldNumber(tag);
            var packed = WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;
            switch (field)
            {
                case 1 when packed: ReadPacked(reader, r => dims.Add(r.ReadInt64())); break;
                case 1: dims.Add(reader.ReadInt64()); break;
                case 2: dataType = reader.ReadInt32(); break;
                case 4 when packed: floats = reader.ReadBytes().ToByteArray(); break; // packed fixed32: little-endian floats as stored
                case 4: throw new NotSupportedException($"{name}: unpacked float_data is not read");
                case 7 when packed: ReadPacked(reader, r => longs.Add(r.ReadInt64())); break;
                case 7: longs.Add(reader.ReadInt64()); break;
                case 8: name = reader.ReadString(); break;
                case 9: raw = reader.ReadBytes().ToByteArray(); break;
                case 14 when reader.ReadInt32() != 0: throw new NotSupportedException($"{name}: external tensor data is not read");
                default: reader.SkipLastField(); break;
            }
        }

        var data = raw
            ?? floats
            ?? System.Runtime.InteropServices.MemoryMarshal.AsBytes(longs.ToArray().AsSpan()).ToArray();
        return new OnnxTensor(name, dims.ToArray(), dataType, data);
    }

    private static void ReadPacked(CodedInputStream reader, Action<CodedInputStream> readOne)
    {
        var inner = reader.ReadBytes().CreateCodedInput();
        while (!inner.IsAtEnd)
        {
            readOne(inner);
        }
    }
}
