namespace PrecisionAnalyzers.Runtime.Inputs;

/// <summary>What a path names, as the file system reports it (<c>st_mode</c>'s type bits).</summary>
public enum FileKind
{
    /// <summary>Nothing is there.</summary>
    Missing,

    /// <summary>The path cannot be examined: a folder on the way denies search permission.</summary>
    PermissionDenied,

    RegularFile,

    Folder,

    /// <summary>A named pipe: opening it blocks until a writer appears.</summary>
    Fifo,

    CharacterDevice,

    BlockDevice,

    Socket,

    /// <summary>The platform cannot tell (not Linux): treated as a regular file when .NET says it is a file.</summary>
    Unknown,
}
