using System.Globalization;
using System.Text;
using System.Text.Json;
using PrecisionAnalyzers.Runtime.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Checkpoints;

/// <summary>
/// Writes safetensors files atomically: everything goes to a temporary file in the target folder, which is renamed over the
/// target only when complete, so a reader never sees a half-written checkpoint. Tensors are ordered by descending element
/// size then name, and the header is padded with spaces to a multiple of 8, so every tensor's data is aligned.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> (name → tensor, any device, any layout) to <paramref name="path"/>.</summary>
    public static void Write(
        string path,
        IReadOnlyDictionary<string, Tensor> tensors,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        TorchSharpLoader.EnsureLoaded();
        var ordered = Order(tensors);
        var header = Header(ordered, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BitConverter.TryWriteBytes(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var (_, tensor) in ordered)
            {
                cancellationToken.ThrowIfCancellationRequested();
                WriteData(stream, tensor);
            }
        });
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> as shards of at most <paramref name="maxShardBytes"/> of data each (a larger tensor gets a
    /// shard of its own), named <c>model-0000K-of-0000N.safetensors</c>, and then <c>model.safetensors.index.json</c>.
    /// </summary>
    public static IReadOnlyList<string> WriteSharded(
        string folder,
        IReadOnlyDictionary<string, Tensor> tensors,
        long maxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxShardBytes, 1);
        Directory.CreateDirectory(folder);

        var shards = new List<List<string>>();
        long current = 0;
        foreach (var (name, tensor) in tensors.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var bytes = tensor.NumberOfElements * tensor.ElementSize;
            if (shards.Count == 0 || (current + bytes > maxShardBytes && current > 0))
            {
                shards.Add([]);
                current = 0;
            }

            shards[^1].Add(name);
            current += bytes;
        }

        var files = new List<string>();
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < shards.Count; i++)
        {
            var file = string.Create(CultureInfo.InvariantCulture, $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors");
            Write(Path.Combine(folder, file), shards[i].ToDictionary(n => n, n => tensors[n], StringComparer.Ordinal), metadata, cancellationToken);
            files.Add(Path.Combine(folder, file));
            foreach (var name in shards[i])
            {
                weightMap[name] = file;
            }
        }

        var total = tensors.Values.Sum(t => t.NumberOfElements * t.ElementSize);
        var index = JsonSerializer.Serialize(new { metadata = new { total_size = total }, weight_map = weightMap }, new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.Write(Path.Combine(folder, Checkpoint.IndexFile), stream => stream.Write(Encoding.UTF8.GetBytes(index)));
        return files;
    }

    private static List<(string Name, Tensor Tensor)> Order(IReadOnlyDictionary<string, Tensor> tensors) => tensors
        .Select(p => (p.Key, p.Value))
        .OrderByDescending(p => SafetensorsDtypes.ElementSize(p.Value.dtype))
        .ThenBy(p => p.Key, StringComparer.Ordinal)
        .ToList();

    private static byte[] Header(List<(string Name, Tensor Tensor)> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var (name, tensor) in ordered)
            {
                var bytes = tensor.NumberOfElements * tensor.ElementSize;
                json.WriteStartObject(name);
                json.WriteString("dtype", SafetensorsDtypes.NameOf(tensor.dtype));
                json.WriteStartArray("shape");
                foreach (var dimension in tensor.shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }

            json.WriteEndObject();
        }

        var length = buffer.Length;
        var padded = (length + 7) / 8 * 8;
        for (var i = length; i < padded; i++)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }

    private static void WriteData(Stream stream, Tensor tensor)
    {
        if (tensor.NumberOfElements == 0)
        {
            return;
        }

        using var scope = NewDisposeScope();
        var cpu = tensor.device_type == DeviceType.CPU ? tensor : tensor.cpu();
        var flat = cpu.contiguous().view(-1);
        var elementSize = tensor.ElementSize;
        var chunk = Math.Max(1, Math.Min(SafetensorsReader.CopyChunkBytes, int.MaxValue) / elementSize);
        for (long start = 0; start < flat.NumberOfElements; start += chunk)
        {
            var count = Math.Min(chunk, flat.NumberOfElements - start);
            stream.Write(flat.narrow(0, start, count).bytes);
        }
    }
}

/// <summary>Writes a file through a temporary file in the same folder and a rename, so the target is whole or untouched.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}

/// <summary>
/// Creates a folder whole or not at all: the content is written into a temporary sibling folder that is renamed into place at
/// the end. The target must not exist, or be empty.
/// </summary>
public static class AtomicFolder
{
    public static void Write(string folder, Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(write);
        var target = Path.GetFullPath(folder);
        if (File.Exists(target))
        {
            throw new IOException($"{target} is a file; give a new or empty folder.");
        }

        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new IOException($"{target} exists and is not empty; give a new or empty folder.");
        }

        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var temporary = Path.Combine(parent, "." + Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            Directory.CreateDirectory(temporary);
            write(temporary);
            if (Directory.Exists(target))
            {
                Directory.Delete(target);
            }

            Directory.Move(temporary, target);
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }
}
