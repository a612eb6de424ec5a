using System.Runtime.InteropServices;

namespace PrecisionAnalyzers.Benchmarks.Loading;

/// <summary>Drops a file's pages from the kernel's page cache (<c>posix_fadvise(POSIX_FADV_DONTNEED)</c>), so the next read comes from the disk.</summary>
internal static partial class PageCache
{
    private const int FadviseDontNeed = 4;

    public static void Evict(string path)
    {
        using var handle = File.OpenHandle(path);
        var descriptor = (int)handle.DangerousGetHandle();
        _ = Fsync(descriptor); // dirty pages stay cached: write them out first
        var result = Fadvise(descriptor, 0, 0, FadviseDontNeed);
        if (result != 0)
        {
            throw new IOException($"posix_fadvise on {path} failed with {result}");
        }
    }

    [DllImport("libc", EntryPoint = "fsync")]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int Fadvise(int descriptor, long offset, long length, int advice);
}
