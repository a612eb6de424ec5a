using System.Text;

namespace PrecisionAnalyzers.Runtime.Tests.Checkpoints;

/// <summary>Builds safetensors files byte by byte, so a test can break any rule of the format.</summary>
internal static class RawSafetensors
{
    public static string Write(string folder, string header, int dataBytes, ulong? lengthOverride = null, string name = "model.safetensors")
    {
        var json = Encoding.UTF8.GetBytes(header);
        return WriteBytes(folder, json, new byte[dataBytes], lengthOverride, name);
    }

    public static string WriteBytes(string folder, byte[] json, byte[] data, ulong? lengthOverride = null, string name = "model.safetensors")
    {
        var path = Path.Combine(folder, name);
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes(lengthOverride ?? (ulong)json.Length));
        stream.Write(json);
        stream.Write(data);
        return path;
    }
}
