using System.IO.MemoryMappedFiles;
using PrecisionAnalyzers.Runtime.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Checkpoints;

/// <summary>
/// Reads one safetensors file through a read-only memory mapping. The whole header is validated when the file is opened,
/// before any tensor is returned. A tensor is read with one copy from the mapping into a fresh tensor's storage, and
/// converted to a target dtype one tensor at a time, so a model is never held twice.
/// </summary>
public sealed unsafe class SafetensorsReader : IDisposable
{
    /// <summary>Tensors larger than this are copied in pieces (a span cannot exceed 2 GiB). Internal for tests.</summary>
    internal static long CopyChunkBytes { get; set; } = 1L << 30;

    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;
    private bool _disposed;

    private SafetensorsReader(string path, SafetensorsHeader header, MemoryMappedFile? file, MemoryMappedViewAccessor? view)
    {
        Path = path;
        Header = header;
        _file = file;
        _view = view;
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        if (view is not null)
        {
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _base = pointer + view.PointerOffset;
        }
    }

    public string Path { get; }

    public SafetensorsHeader Header { get; }

    public IReadOnlyList<SafetensorsTensorInfo> Tensors => Header.Tensors;

    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>Bytes of tensor data in the file.</summary>
    public long DataLength => Header.Tensors.Count == 0 ? 0 : Header.Tensors[^1].End;

    /// <summary>
    /// Opens and validates <paramref name="path"/>, which must be a regular file inside <paramref name="folder"/> (null: its
    /// own folder; see <see cref="Inputs.InputFile"/>). Throws <see cref="SafetensorsFormatException"/> for a malformed file
    /// or one the file policy refuses.
    /// </summary>
    public static SafetensorsReader Open(string path, string? folder = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        SafetensorsHeader header;
        long fileLength;
        var stream = Inputs.InputFile.OpenRead(path, folder, (reason, inner) => new SafetensorsFormatException(path, null, SafetensorsRule.FilePolicy, reason, inner));
        try
        {
            try
            {
                fileLength = stream.Length;
                Span<byte> prefix = stackalloc byte[8];
                var read = stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false);
                var length = SafetensorsHeader.ReadLength(prefix[..read], fileLength, path);
                var json = new byte[length];
                stream.ReadExactly(json);
                header = SafetensorsHeader.Parse(json, fileLength - 8 - length, path);
            }
            catch (IOException e)
            {
                throw new SafetensorsFormatException(path, null, SafetensorsRule.FilePolicy, "cannot be read: " + e.GetType().Name, e);
            }

            if (fileLength == 0 || header.Tensors.Count == 0 || header.Tensors[^1].End == 0)
            {
                stream.Dispose();
                return new SafetensorsReader(path, header, null, null);
            }

            // Mapped from the stream already opened and checked, not by path again.
            var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            try
            {
                var view = file.CreateViewAccessor(0, fileLength, MemoryMappedFileAccess.Read);
                return new SafetensorsReader(path, header, file, view);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public SafetensorsTensorInfo Info(string name) =>
        _byName.TryGetValue(name, out var info) ? info : throw new KeyNotFoundException($"{Path} has no tensor '{name}'.");

    /// <summary>
    /// Reads <paramref name="name"/> into a new CPU tensor of its stored type, or converted to <paramref name="target"/>.
    /// The caller owns (disposes) the result.
    /// </summary>
    public Tensor Read(string name, ScalarType? target = null, Device? device = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TorchSharpLoader.EnsureLoaded();
        var info = Info(name);
        var wantedType = target ?? info.Type;
        RefuseRelabelled(info, wantedType);
        if ((device is null || device.type == DeviceType.CPU) && DtypeConverter.Supports(info.Type, wantedType))
        {
            return ReadConverted(info, wantedType);
        }

        var stored = torch.empty(info.Shape, info.Type);
        try
        {
            CopyInto(stored, info);
            var wanted = target ?? info.Type;
            var onDevice = device is null || device.type == DeviceType.CPU;
            if (wanted == info.Type && onDevice)
            {
                return stored;
            }

            Tensor converted;
            if (onDevice)
            {
                // An explicit destination and copy_ converts several times faster than .to() here (vectorised, no temporary).
                converted = torch.empty(info.Shape, wanted);
                converted.copy_(stored);
            }
            else
            {
                converted = stored.to(wanted, device!);
            }

            stored.Dispose();
            return converted;
        }
        catch
        {
            stored.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads <paramref name="name"/> into <paramref name="destination"/>, an existing tensor of the same shape in any dtype
    /// and on any device (a model's parameter, say), converting as <see cref="Read"/> does. The shape is checked before
    /// anything is written. A contiguous CPU destination in FP32 or BF16 is written straight from the mapping, with no
    /// temporary tensor; anything else goes through one. Autograd does not record the write.
    /// </summary>
    /// <exception cref="ArgumentException">The destination's shape differs from the stored tensor's.</exception>
    public void ReadInto(string name, Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(_disposed, this);
        TorchSharpLoader.EnsureLoaded();
        var info = Info(name);
        if (!destination.shape.SequenceEqual(info.Shape))
        {
            throw new ArgumentException(
                $"{Path}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}], the destination [{string.Join(", ", destination.shape)}].",
                nameof(destination));
        }

        var wanted = destination.dtype;
        RefuseRelabelled(info, wanted);
        if (destination.device_type == DeviceType.CPU && destination.is_contiguous()
            && (wanted == info.Type || DtypeConverter.Supports(info.Type, wanted)))
        {
            if (wanted == info.Type)
            {
                CopyInto(destination, info);
            }
            else
            {
                ConvertInto(info, destination, existingMemory: true);
            }

            return;
        }

        using var read = Read(name);
        using (torch.no_grad())
        {
            destination.copy_(read);
        }
    }

    /// <summary>An integer or boolean tensor is never converted into a floating-point weight: a relabelled tensor is refused.</summary>
    private void RefuseRelabelled(SafetensorsTensorInfo info, ScalarType wanted)
    {
        if (SafetensorsDtypes.IsFloatingPoint(wanted) && !SafetensorsDtypes.IsFloatingPoint(info.Type))
        {
            throw new SafetensorsFormatException(Path, info.Name, SafetensorsRule.UnsupportedDtype,
                $"is stored as {info.Dtype}, not a floating-point dtype: a weight read as {SafetensorsDtypes.NameOf(wanted)} must be stored as F32, F16, BF16 or F64");
        }
    }

    /// <summary>Converts straight from the mapping into a fresh tensor.</summary>
    private Tensor ReadConverted(SafetensorsTensorInfo info, ScalarType wanted)
    {
        var destination = torch.empty(info.Shape, wanted);
        try
        {
            ConvertInto(info, destination, existingMemory: false);
            return destination;
        }
        catch
        {
            destination.Dispose();
            throw;
        }
    }

    /// <summary>Converts from the mapping into a contiguous CPU tensor, piece by piece (a span cannot exceed 2 GiB).</summary>
    private void ConvertInto(SafetensorsTensorInfo info, Tensor destination, bool existingMemory)
    {
        if (info.ByteLength == 0)
        {
            return;
        }

        var source = _base + Header.DataStart + info.Begin;
        try
        {
            using var flat = destination.view(-1);
            var sourceSize = info.ByteLength / info.ElementCount;
            var chunkElements = Math.Max(1, Math.Min(CopyChunkBytes, int.MaxValue) / Math.Max(sourceSize, destination.ElementSize));
            for (long start = 0; start < info.ElementCount; start += chunkElements)
            {
                var count = Math.Min(chunkElements, info.ElementCount - start);
                using var piece = flat.narrow(0, start, count);
                fixed (byte* target = piece.bytes)
                {
                    DtypeConverter.Convert(source + (start * sourceSize), count, info.Type, destination.dtype, target, existingMemory);
                }
            }
        }
        finally
        {
            MappedPages.Release(source, info.ByteLength);
        }
    }

    private void CopyInto(Tensor tensor, SafetensorsTensorInfo info)
    {
        if (info.ByteLength == 0)
        {
            return;
        }

        var source = _base + Header.DataStart + info.Begin;
        try
        {
            CopyFrom(source, tensor, info);
        }
        finally
        {
            MappedPages.Release(source, info.ByteLength);
        }
    }

    private static void CopyFrom(byte* source, Tensor tensor, SafetensorsTensorInfo info)
    {
        if (info.ByteLength <= CopyChunkBytes && info.ByteLength <= int.MaxValue)
        {
            new ReadOnlySpan<byte>(source, (int)info.ByteLength).CopyTo(tensor.bytes);
            return;
        }

        // Larger than one span: copy through views of the flat tensor, whole elements at a time.
        using var flat = tensor.view(-1);
        var elementSize = info.ByteLength / info.ElementCount;
        var chunkElements = Math.Max(1, Math.Min(CopyChunkBytes, int.MaxValue) / elementSize);
        for (long start = 0; start < info.ElementCount; start += chunkElements)
        {
            var count = Math.Min(chunkElements, info.ElementCount - start);
            using var piece = flat.narrow(0, start, count);
            new ReadOnlySpan<byte>(source + (start * elementSize), (int)(count * elementSize)).CopyTo(piece.bytes);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }

        _file?.Dispose();
    }
}
