using System.Runtime.InteropServices;

namespace PrecisionAnalyzers.Runtime.Inputs;

/// <summary>
/// Asks the kernel what a path is without opening it (opening a FIFO blocks). .NET reports FIFOs, devices and regular files
/// alike as <c>Normal</c>, so on Linux this calls <c>statx(2)</c>, whose layout is the same on every architecture; elsewhere
/// it says <see cref="FileKind.Unknown"/> for anything .NET calls a file.
/// </summary>
internal static unsafe partial class FileKindProbe
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28; // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, u32 gid, u16 mode
    private const int Eacces = 13;

    /// <summary>The kind of <paramref name="path"/> itself (a symbolic link is not followed; resolve it first).</summary>
    public static FileKind Probe(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            var buffer = stackalloc byte[256];
            if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer) != 0)
            {
                return Marshal.GetLastPInvokeError() == Eacces ? FileKind.PermissionDenied : FileKind.Missing;
            }

            var mode = *(ushort*)(buffer + ModeOffset);
            return (mode & 0xF000) switch
            {
                0x8000 => FileKind.RegularFile,
                0x4000 => FileKind.Folder,
                0x1000 => FileKind.Fifo,
                0x2000 => FileKind.CharacterDevice,
                0x6000 => FileKind.BlockDevice,
                0xC000 => FileKind.Socket,
                _ => FileKind.Unknown,
            };
        }

        return Directory.Exists(path) ? FileKind.Folder : File.Exists(path) ? FileKind.Unknown : FileKind.Missing;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
