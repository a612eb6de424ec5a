using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PrecisionAnalyzers.Runtime.Native;

/// <summary>
/// Makes a copy of a native library whose version requirements the system cannot meet, with exactly those
/// requirements marked weak (<c>VER_FLG_WEAK</c>), so the dynamic linker loads it anyway. Done only when every
/// symbol bound to a missing version is never relocated against (so the weak requirement can never be needed
/// at run time); otherwise the copy is refused with the reason.
/// </summary>
internal static class CompatibilityCopy
{
    /// <summary>The versions <paramref name="library"/> requires from <paramref name="dependency"/> that <paramref name="provided"/> lacks.</summary>
    public static IReadOnlyList<VersionRequirement> MissingVersions(ElfImage library, string dependency, IReadOnlySet<string> provided) =>
        library.ReadVersionRequirements()
            .Where(r => r.Library == dependency && !r.IsWeak && !provided.Contains(r.Version))
            .ToList();

    /// <summary>
    /// The bytes of <paramref name="library"/> with <paramref name="missing"/> marked weak.
    /// Throws <see cref="NotSupportedException"/> when a missing version is actually used by a relocation.
    /// </summary>
    public static byte[] Patch(ElfImage library, IReadOnlyList<VersionRequirement> missing)
    {
        foreach (var requirement in missing)
        {
            var relocations = library.RelocationsAgainst(requirement.Index);
            if (relocations > 0)
            {
                var symbols = string.Join(", ", library.SymbolsBoundTo(requirement.Index));
                throw new NotSupportedException(
                    $"{Path.GetFileName(library.Path)} uses {requirement.Version} from {requirement.Library} at run time " +
                    $"({relocations} relocation(s) against {symbols}); marking it weak would crash later, so no compatibility copy is made.");
            }
        }

        var bytes = library.Bytes.ToArray();
        foreach (var requirement in missing)
        {
            var span = bytes.AsSpan((int)requirement.FlagsOffset, 2);
            BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)(requirement.Flags | ElfImage.VerFlagWeak));
        }

        return bytes;
    }

    /// <summary>
    /// Writes <paramref name="patched"/> to <paramref name="target"/> unless an identical file is already there.
    /// Atomic: a temporary file in the same folder, then a rename. Returns true when it wrote.
    /// </summary>
    public static bool WriteIfChanged(string target, byte[] patched)
    {
        if (File.Exists(target) && new FileInfo(target).Length == patched.Length && File.ReadAllBytes(target).AsSpan().SequenceEqual(patched))
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = target + "." + Environment.ProcessId + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            File.WriteAllBytes(temporary, patched);
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }

        return true;
    }

    /// <summary>The cache folder for copies made from a library with these bytes: one folder per original.</summary>
    public static string CacheFolderFor(ReadOnlySpan<byte> original, string cacheRoot)
    {
        var hash = Convert.ToHexString(SHA256.HashData(original))[..16].ToLowerInvariant();
        return Path.Combine(cacheRoot, hash);
    }

    /// <summary>Where copies are kept: <c>PRECISION_NATIVE_CACHE</c>, else the user's cache folder, else the temp folder.</summary>
    public static string DefaultCacheRoot()
    {
        var configured = Environment.GetEnvironmentVariable("PRECISION_NATIVE_CACHE");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var baseFolder = !string.IsNullOrWhiteSpace(xdg) ? xdg
            : !string.IsNullOrWhiteSpace(home) ? Path.Combine(home, ".cache")
            : Path.GetTempPath();
        return Path.Combine(baseFolder, "precision-analyzers", "native");
    }
}
