using System.Runtime.InteropServices;

namespace PrecisionAnalyzers.Runtime.Checkpoints;

/// <summary>
/// Drops the pages of a read-only file mapping from this process once a tensor has been copied out of them. The data stays in
/// the page cache, but it no longer counts in the process's resident memory, so loading a model peaks near the model's size
/// instead of model + file.
/// </summary>
internal static unsafe partial class MappedPages
{
    private const int MadviseDontNeed = 4;
    private static readonly long PageSize = Environment.SystemPageSize;

    public static void Release(byte* start, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0)
        {
            return;
        }

        var (first, size) = Pages(start, length);
        _ = Madvise((IntPtr)first, (nuint)size, MadviseDontNeed);
    }

    // Whole pages only: round the start down and the end up; a page shared with a neighbour is simply faulted in again.
    private static (long First, long Size) Pages(byte* start, long length)
    {
        var first = (long)start & ~(PageSize - 1);
        var end = ((long)start + length + PageSize - 1) & ~(PageSize - 1);
        return (first, end - first);
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(IntPtr address, nuint length, int advice);
}
