using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;

namespace PrecisionAnalyzers.Runtime.Native;

/// <summary>
/// Loads TorchSharp's native backend, making it load on Linux systems whose libstdc++ lacks a version that
/// <c>libLibTorchSharp.so</c> asks for but never uses (TorchSharp 0.107 asks for <c>GLIBCXX_3.4.32</c>, GCC 13;
/// Debian 12 and Ubuntu 22.04 ship GCC 12's libstdc++). On such systems it writes, once, a copy of the library with
/// only those version requirements marked weak, and loads it before TorchSharp does; elsewhere it does nothing.
/// Every runtime entry point that touches tensors calls <see cref="EnsureLoaded"/> first.
/// </summary>
public static class TorchSharpLoader
{
    private const string LibTorchSharpFile = "libLibTorchSharp.so";
    private const string LibStdCxx = "libstdc++.so.6";

    // libtorch's own libraries, in dependency order; loaded by full path before the compatibility copy so that
    // the copy's NEEDED entries bind to them by SONAME (its RUNPATH points at the original folder, not the cache).
    private static readonly string[] LibTorchDependencies = ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"];

    private static readonly object Gate = new();
    private static TorchSharpStatus? _status;

    /// <summary>The status of the last successful load, or null before one.</summary>
    public static TorchSharpStatus? Status
    {
        get
        {
            lock (Gate)
            {
                return _status;
            }
        }
    }

    /// <summary>
    /// Makes sure TorchSharp's native backend is loaded and says how. Idempotent and thread-safe.
    /// Throws <see cref="TorchSharpLoadException"/> with what is missing and what to do when it cannot be loaded.
    /// </summary>
    public static TorchSharpStatus EnsureLoaded(ILogger? logger = null)
    {
        lock (Gate)
        {
            return _status ??= Load(logger ?? NullLogger.Instance);
        }
    }

    private static TorchSharpStatus Load(ILogger logger)
    {
        var hugePages = NativeEnvironment.ApplyHugePagePolicy(logger);
        var openMpWait = NativeEnvironment.ApplyOpenMpWaitPolicy(logger);
        var compatibility = OperatingSystem.IsLinux() ? PrepareCompatibilityCopy(logger, CompatibilityCopy.DefaultCacheRoot()) : null;
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            throw new TorchSharpLoadException(DescribeFailure(compatibility), e);
        }

        Models.CpuThreads.ApplyDefault();

        return new TorchSharpStatus(
            TorchSharpVersion: TorchSharpVersion(),
            LibTorchVersion: torch.__version__,
            Loaded: true,
            CompatibilityCopyUsed: compatibility?.CopyPath is not null,
            CompatibilityCopyPath: compatibility?.CopyPath,
            CompatibilityCopyWritten: compatibility?.Written ?? false,
            WeakenedVersions: compatibility?.Weakened ?? [],
            SystemLibStdCxx: compatibility?.SystemLibStdCxx,
            HugePages: hugePages,
            OpenMpWait: openMpWait);
    }

    /// <summary>
    /// Finds the original library and the system libstdc++, and when versions are missing, writes (or reuses) the copy
    /// and loads it with libtorch's libraries. Returns what it found, for the status and for failure messages.
    /// </summary>
    internal static CompatibilityResult? PrepareCompatibilityCopy(ILogger logger, string cacheRoot)
    {
        var original = FindNativeLibrary(LibTorchSharpFile);
        if (original is null)
        {
            logger.LogDebug("{File} not found in the native search folders; leaving the load to TorchSharp.", LibTorchSharpFile);
            return new CompatibilityResult(null, null, null, false, [], null);
        }

        var systemLibStdCxx = FindLoadedSystemLibrary(LibStdCxx);
        if (systemLibStdCxx is null)
        {
            logger.LogDebug("The system {Library} could not be located; leaving the load to TorchSharp.", LibStdCxx);
            return new CompatibilityResult(original, null, null, false, [], null);
        }

        var image = ElfImage.Read(original);
        var provided = ElfImage.Read(systemLibStdCxx).ReadVersionDefinitions();
        var missing = CompatibilityCopy.MissingVersions(image, LibStdCxx, provided);
        if (missing.Count == 0)
        {
            return new CompatibilityResult(original, null, systemLibStdCxx, false, [], null);
        }

        var weakened = missing.Select(m => m.Version).ToArray();
        byte[] patched;
        try
        {
            patched = CompatibilityCopy.Patch(image, missing);
        }
        catch (NotSupportedException e)
        {
            return new CompatibilityResult(original, null, systemLibStdCxx, false, weakened, e.Message);
        }

        var target = Path.Combine(CompatibilityCopy.CacheFolderFor(image.Bytes, cacheRoot), LibTorchSharpFile);
        bool written;
        try
        {
            written = CompatibilityCopy.WriteIfChanged(target, patched);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            target = Path.Combine(CompatibilityCopy.CacheFolderFor(image.Bytes, Path.Combine(Path.GetTempPath(), "precision-analyzers-native")), LibTorchSharpFile);
            written = CompatibilityCopy.WriteIfChanged(target, patched);
        }

        logger.LogInformation(
            "{Library} lacks {Versions} required by {Original}; {Action} a compatibility copy at {Copy} with only those requirements marked weak.",
            systemLibStdCxx, string.Join(", ", weakened), original, written ? "wrote" : "reusing", target);

        var folder = Path.GetDirectoryName(original)!;
        foreach (var dependency in LibTorchDependencies)
        {
            var path = FindNativeLibrary(dependency, preferredFolder: folder);
            if (path is not null && !NativeLibrary.TryLoad(path, out _))
            {
                logger.LogDebug("Could not preload {Dependency} from {Path}.", dependency, path);
            }
        }

        if (!NativeLibrary.TryLoad(target, out _))
        {
            return new CompatibilityResult(original, null, systemLibStdCxx, written, weakened, $"the compatibility copy {target} did not load either");
        }

        return new CompatibilityResult(original, target, systemLibStdCxx, written, weakened, null);
    }

    /// <summary>The folders .NET searches for this application's native libraries, then the app folder and TorchSharp's package layout.</summary>
    internal static IEnumerable<string> NativeSearchFolders()
    {
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string configured)
        {
            foreach (var folder in configured.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                yield return folder;
            }
        }

        var baseDirectory = AppContext.BaseDirectory;
        yield return baseDirectory;
        yield return Path.Combine(baseDirectory, "runtimes", "linux-x64", "native");
        var torchSharpFolder = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchSharpFolder))
        {
            yield return Path.GetFullPath(Path.Combine(torchSharpFolder, "..", "..", "runtimes", "linux-x64", "native"));
        }
    }

    private static string? FindNativeLibrary(string fileName, string? preferredFolder = null)
    {
        var folders = preferredFolder is null ? NativeSearchFolders() : NativeSearchFolders().Prepend(preferredFolder);
        return folders.Select(folder => Path.Combine(folder, fileName)).FirstOrDefault(File.Exists);
    }

    /// <summary>The path of the library the dynamic linker gives for <paramref name="soname"/>, read from this process's mappings.</summary>
    private static string? FindLoadedSystemLibrary(string soname)
    {
        if (!NativeLibrary.TryLoad(soname, out _))
        {
            return null;
        }

        try
        {
            return File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/') is var slash and >= 0 ? line[slash..].Trim() : null)
                .FirstOrDefault(path => path is not null && Path.GetFileName(path).StartsWith(soname, StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string DescribeFailure(CompatibilityResult? compatibility)
    {
        if (compatibility is null)
        {
            return "TorchSharp's native backend did not load. Make sure the application references a backend package (TorchSharp-cpu, or libtorch-cpu-linux-x64 / libtorch-cpu-win-x64 / libtorch-cpu-osx-arm64 matching TorchSharp 0.107's libtorch 2.10).";
        }

        if (compatibility.Original is null)
        {
            return $"TorchSharp's native library {LibTorchSharpFile} was not found beside the application. Reference a backend package: TorchSharp-cpu, or TorchSharp plus libtorch-cpu-linux-x64 2.10.0.";
        }

        if (compatibility.Weakened.Count > 0 && compatibility.CopyPath is null)
        {
            return $"{compatibility.Original} requires {string.Join(", ", compatibility.Weakened)} from {LibStdCxx}, which {compatibility.SystemLibStdCxx} does not provide, " +
                   $"and no compatibility copy could be used: {compatibility.Problem}. Install a libstdc++ from GCC 13 or newer (for example Debian's libstdc++6 from trixie, or Ubuntu's from the toolchain PPA).";
        }

        return $"TorchSharp's native backend did not load from {compatibility.CopyPath ?? compatibility.Original}. " +
               "Check that libtorch's libraries (libtorch.so, libtorch_cpu.so, libc10.so) sit beside it and match libtorch 2.10.";
    }

    private static string TorchSharpVersion()
    {
        var assembly = typeof(torch).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return (informational ?? assembly.GetName().Version?.ToString() ?? "unknown").Split('+')[0];
    }

    /// <summary>What <see cref="PrepareCompatibilityCopy"/> found and did.</summary>
    internal sealed record CompatibilityResult(
        string? Original,
        string? CopyPath,
        string? SystemLibStdCxx,
        bool Written,
        IReadOnlyList<string> Weakened,
        string? Problem);
}

/// <summary>How TorchSharp's native backend was loaded.</summary>
/// <param name="TorchSharpVersion">The TorchSharp assembly's version, e.g. 0.107.0.</param>
/// <param name="LibTorchVersion">The libtorch version TorchSharp was built against, e.g. 2.10.0.</param>
/// <param name="Loaded">True once the backend is loaded.</param>
/// <param name="CompatibilityCopyUsed">True when a compatibility copy of <c>libLibTorchSharp.so</c> was loaded.</param>
/// <param name="CompatibilityCopyPath">Where that copy is.</param>
/// <param name="CompatibilityCopyWritten">True when this process wrote the copy; false when it reused one.</param>
/// <param name="WeakenedVersions">The version requirements marked weak in the copy.</param>
/// <param name="SystemLibStdCxx">The system libstdc++ the process uses, when located.</param>
/// <param name="HugePages">Whether libtorch's large CPU allocations use transparent huge pages, and why.</param>
/// <param name="OpenMpWait">How libtorch's idle OpenMP workers wait (sleep or spin), and why.</param>
public sealed record TorchSharpStatus(
    string TorchSharpVersion,
    string LibTorchVersion,
    bool Loaded,
    bool CompatibilityCopyUsed,
    string? CompatibilityCopyPath,
    bool CompatibilityCopyWritten,
    IReadOnlyList<string> WeakenedVersions,
    string? SystemLibStdCxx,
    HugePageDecision HugePages,
    OpenMpWaitDecision OpenMpWait);

/// <summary>TorchSharp's native backend could not be loaded; the message says what is missing and what to do.</summary>
public sealed class TorchSharpLoadException : Exception
{
    public TorchSharpLoadException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
