using System.Text.Json;
using PrecisionAnalyzers.Runtime.Models;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Checkpoints;

/// <summary>Progress of reading a checkpoint's tensors: bytes of stored tensor data read so far, of the total.</summary>
public readonly record struct CheckpointProgress(long BytesRead, long TotalBytes, string Tensor);

/// <summary>
/// The weights of a model folder: a single <c>model.safetensors</c>, or the shards named by
/// <c>model.safetensors.index.json</c>. Every file's header and the index are validated when it is opened, so a malformed
/// checkpoint fails before any tensor is read. Tensors are read one at a time through <see cref="IWeightSource"/>.
/// </summary>
public sealed class Checkpoint : IWeightSource, IDisposable
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    private readonly List<SafetensorsReader> _readers;
    private readonly Dictionary<string, SafetensorsReader> _owner;
    private readonly IProgress<CheckpointProgress>? _progress;
    private long _bytesRead;

    private Checkpoint(string folder, List<SafetensorsReader> readers, Dictionary<string, SafetensorsReader> owner, IProgress<CheckpointProgress>? progress)
    {
        Folder = folder;
        _readers = readers;
        _owner = owner;
        _progress = progress;
        TotalBytes = readers.Sum(r => r.DataLength);
    }

    public string Folder { get; }

    /// <summary>The safetensors files, in shard order.</summary>
    public IReadOnlyList<string> Files => _readers.Select(r => r.Path).ToArray();

    /// <summary>Bytes of tensor data in all files.</summary>
    public long TotalBytes { get; }

    public IReadOnlyCollection<string> Names => _owner.Keys;

    /// <summary>True when <paramref name="folder"/> holds a safetensors checkpoint (single file or index).</summary>
    /// <remarks>Anything at those names counts (a FIFO, a dangling link): <see cref="Open"/> then says what is wrong with it.</remarks>
    public static bool Exists(string folder) =>
        Inputs.InputFile.IsPresent(System.IO.Path.Combine(folder, SingleFile)) || Inputs.InputFile.IsPresent(System.IO.Path.Combine(folder, IndexFile));

    /// <summary>Opens the checkpoint in <paramref name="folder"/>, validating every header (and the index when sharded).</summary>
    public static Checkpoint Open(string folder, IProgress<CheckpointProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var index = System.IO.Path.Combine(folder, IndexFile);
        var single = System.IO.Path.Combine(folder, SingleFile);
        var readers = new List<SafetensorsReader>();
        try
        {
            if (Inputs.InputFile.IsPresent(index))
            {
                var map = ReadIndex(index, folder);
                foreach (var shard in map.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var path = System.IO.Path.Combine(folder, shard);
                    if (!Inputs.InputFile.IsPresent(path))
                    {
                        throw new SafetensorsFormatException(index, null, SafetensorsRule.ShardIndex, $"names shard '{shard}', which does not exist");
                    }

                    readers.Add(SafetensorsReader.Open(path, folder));
                }

                var owner = Owners(readers, index);
                foreach (var (name, shard) in map)
                {
                    if (!owner.TryGetValue(name, out var reader) || System.IO.Path.GetFileName(reader.Path) != shard)
                    {
                        throw new SafetensorsFormatException(index, name, SafetensorsRule.ShardIndex, $"is mapped to '{shard}', which does not hold it");
                    }
                }

                var unmapped = owner.Keys.Where(n => !map.ContainsKey(n)).Take(5).ToArray();
                if (unmapped.Length > 0)
                {
                    throw new SafetensorsFormatException(index, unmapped[0], SafetensorsRule.ShardIndex, $"is in a shard but not in the index's weight_map ({string.Join(", ", unmapped)})");
                }

                return new Checkpoint(folder, readers, owner, progress);
            }

            if (Inputs.InputFile.IsPresent(single))
            {
                readers.Add(SafetensorsReader.Open(single, folder));
                return new Checkpoint(folder, readers, Owners(readers, single), progress);
            }

            throw new FileNotFoundException($"{folder} holds neither {SingleFile} nor {IndexFile}.", single);
        }
        catch
        {
            foreach (var reader in readers)
            {
                reader.Dispose();
            }

            throw;
        }
    }

    public string? Location => Folder;

    public string? FileOf(string name) => _owner.TryGetValue(name, out var reader) ? reader.Path : null;

    public long[]? Shape(string name) => _owner.TryGetValue(name, out var reader) ? reader.Info(name).Shape : null;

    public SafetensorsTensorInfo Info(string name) => Owner(name).Info(name);

    public Tensor Get(string name, ScalarType dtype, Device device)
    {
        var reader = Owner(name);
        var tensor = reader.Read(name, dtype, device);
        Reported(reader, name);
        return tensor;
    }

    /// <summary>
    /// Reads <paramref name="name"/> into an existing tensor of the same shape (any dtype, any device), as a state dict is
    /// loaded into a model that already has its parameters: no new memory for a contiguous CPU destination in FP32 or BF16.
    /// </summary>
    /// <exception cref="ArgumentException">The destination's shape differs from the stored tensor's; nothing was written.</exception>
    public void ReadInto(string name, Tensor destination)
    {
        var reader = Owner(name);
        reader.ReadInto(name, destination);
        Reported(reader, name);
    }

    private SafetensorsReader Owner(string name) =>
        _owner.TryGetValue(name, out var reader) ? reader : throw new KeyNotFoundException($"The checkpoint in {Folder} has no tensor '{name}'.");

    private void Reported(SafetensorsReader reader, string name)
    {
        var read = Interlocked.Add(ref _bytesRead, reader.Info(name).ByteLength);
        _progress?.Report(new CheckpointProgress(read, TotalBytes, name));
    }

    /// <summary>The dtype of the first floating-point tensor in file order (how transformers reads a checkpoint's dtype), or null.</summary>
    public DType? WeightsDtype() => _readers
        .SelectMany(r => r.Tensors)
        .Where(t => SafetensorsDtypes.IsFloatingPoint(t.Type))
        .Select(t => SafetensorsDtypes.ToDType(t.Type))
        .FirstOrDefault();

    /// <summary>Reads the dtype of the first floating-point tensor from the headers of the checkpoint in <paramref name="folder"/>, or null when it has none.</summary>
    public static DType? ReadWeightsDtype(string folder)
    {
        if (!Exists(folder))
        {
            return null;
        }

        using var checkpoint = Open(folder);
        return checkpoint.WeightsDtype();
    }

    public void Dispose()
    {
        foreach (var reader in _readers)
        {
            reader.Dispose();
        }
    }

    private static Dictionary<string, SafetensorsReader> Owners(List<SafetensorsReader> readers, string source)
    {
        var owner = new Dictionary<string, SafetensorsReader>(StringComparer.Ordinal);
        foreach (var reader in readers)
        {
            foreach (var tensor in reader.Tensors)
            {
                if (!owner.TryAdd(tensor.Name, reader))
                {
                    throw new SafetensorsFormatException(source, tensor.Name, SafetensorsRule.ShardIndex,
                        $"is held by both {System.IO.Path.GetFileName(owner[tensor.Name].Path)} and {System.IO.Path.GetFileName(reader.Path)}");
                }
            }
        }

        return owner;
    }

    private static Dictionary<string, string> ReadIndex(string path, string folder)
    {
        SafetensorsFormatException Bad(string message, Exception? inner = null) => new(path, null, SafetensorsRule.ShardIndex, message, inner);
        var bytes = Inputs.InputFile.ReadAllBytes(path, folder, Inputs.InputFile.MaxIndexBytes, (reason, inner) => new SafetensorsFormatException(path, null, SafetensorsRule.FilePolicy, reason, inner));
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, Inputs.JsonInput.Options);
        }
        catch (JsonException e)
        {
            throw Bad("the index " + Inputs.JsonInput.Describe(e), e);
        }

        try
        {
            return ReadWeightMap(document, path);
        }
        catch (InvalidOperationException e)
        {
            throw Bad("the index holds a string that is not valid UTF-8", e);
        }
    }

    private static Dictionary<string, string> ReadWeightMap(JsonDocument document, string path)
    {
        SafetensorsFormatException Bad(string message) => new(path, null, SafetensorsRule.ShardIndex, message);
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out var weightMap)
                || weightMap.ValueKind != JsonValueKind.Object)
            {
                throw Bad("the index needs a \"weight_map\" object (tensor name → shard file)");
            }

            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in weightMap.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw new SafetensorsFormatException(path, entry.Name, SafetensorsRule.ShardIndex, "its shard must be a file name string");
                }

                var shard = entry.Value.GetString()!;
                if (shard.Length == 0 || shard != System.IO.Path.GetFileName(shard) || shard.Contains("..", StringComparison.Ordinal))
                {
                    throw new SafetensorsFormatException(path, entry.Name, SafetensorsRule.ShardIndex, $"names '{shard}', which is not a file in the checkpoint folder");
                }

                if (!map.TryAdd(entry.Name, shard))
                {
                    throw new SafetensorsFormatException(path, entry.Name, SafetensorsRule.DuplicateName, "appears twice in weight_map");
                }
            }

            return map;
        }
    }
}
