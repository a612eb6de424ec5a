namespace PrecisionAnalyzers.Runtime.Checkpoints;

/// <summary>The rule of the safetensors format (or of a sharded index) a file broke.</summary>
public enum SafetensorsRule
{
    /// <summary>The file is shorter than the 8-byte header length.</summary>
    FileTooSmall,

    /// <summary>The header length exceeds 100,000,000 bytes or the file.</summary>
    HeaderLength,

    /// <summary>The header is not UTF-8 JSON, or not an object.</summary>
    HeaderJson,

    /// <summary>A tensor name appears twice.</summary>
    DuplicateName,

    /// <summary><c>__metadata__</c> is not a map of strings to strings.</summary>
    Metadata,

    /// <summary>An entry lacks dtype, shape or data_offsets, or has them of the wrong JSON type.</summary>
    EntrySchema,

    /// <summary>
    /// The dtype is unknown, or known but not supported by TorchSharp (the F8/F6/F4 kinds, unsigned 16–64 bit, complex), or an
    /// integer or boolean tensor is read as a floating-point weight (a relabelled tensor is refused, not converted).
    /// </summary>
    UnsupportedDtype,

    /// <summary>Offsets are negative, reversed, overflow, or lie outside the data area.</summary>
    OffsetsOutOfRange,

    /// <summary>Tensors are not contiguous from offset 0 (a hole or an overlap).</summary>
    NotContiguous,

    /// <summary>shape × element size differs from the byte length, or overflows.</summary>
    SizeMismatch,

    /// <summary>The last tensor does not end at the end of the file.</summary>
    TrailingBytes,

    /// <summary>The sharded index is malformed, names a missing shard, or maps a tensor to a shard that lacks it (or holds it twice).</summary>
    ShardIndex,

    /// <summary>
    /// The path is not a readable regular file inside the model folder (a FIFO, a device, a folder, a dangling symbolic link
    /// or one leading outside the folder, a permission error).
    /// </summary>
    FilePolicy,
}
