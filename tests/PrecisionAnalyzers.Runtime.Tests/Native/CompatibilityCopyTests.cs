using PrecisionAnalyzers.Runtime.Native;

namespace PrecisionAnalyzers.Runtime.Tests.Native;

public sealed class CompatibilityCopyTests
{
    private static string OriginalLibrary()
    {
        TorchSharpLoader.EnsureLoaded();
        var path = TorchSharpLoader.NativeSearchFolders().Select(f => Path.Combine(f, "libLibTorchSharp.so")).FirstOrDefault(File.Exists);
        Assert.NotNull(path);
        return path;
    }

    private static string SystemLibStdCxx() =>
        File.ReadLines("/proc/self/maps").Select(l => l.IndexOf('/') is var i and >= 0 ? l[i..].Trim() : "").First(p => Path.GetFileName(p).StartsWith("libstdc++.so.6", StringComparison.Ordinal));

    [Fact]
    public void The_copy_differs_from_the_original_only_in_the_weak_flag_of_the_missing_versions()
    {
        var original = ElfImage.Read(OriginalLibrary());
        // This machine's libstdc++ (GCC 12) lacks GLIBCXX_3.4.32; on a newer one, take it away so the test means the same.
        var provided = ElfImage.Read(SystemLibStdCxx()).ReadVersionDefinitions().Where(v => v != "GLIBCXX_3.4.32").ToHashSet();
        var missing = CompatibilityCopy.MissingVersions(original, "libstdc++.so.6", provided);
        Assert.Equal("GLIBCXX_3.4.32", Assert.Single(missing).Version);

        var patched = CompatibilityCopy.Patch(original, missing);

        var differing = Enumerable.Range(0, patched.Length).Where(i => patched[i] != original.Bytes[i]).ToArray();
        var flagBytes = missing.Select(m => (int)m.FlagsOffset).ToArray(); // vna_flags is little-endian; the weak bit is in its low byte
        Assert.Equal(flagBytes, differing);
        Assert.All(differing, i => Assert.Equal(original.Bytes[i] | ElfImage.VerFlagWeak, patched[i]));

        var reread = ElfImage.Parse(patched, "patched");
        Assert.Empty(CompatibilityCopy.MissingVersions(reread, "libstdc++.so.6", provided));
        Assert.All(reread.ReadVersionRequirements().Where(r => missing.Any(m => m.Version == r.Version)), r => Assert.True(r.IsWeak));
    }

    [Fact]
    public void The_missing_version_is_never_relocated_against_so_weakening_it_is_safe()
    {
        var original = ElfImage.Read(OriginalLibrary());
        var glibcxx32 = Assert.Single(original.ReadVersionRequirements(), r => r.Version == "GLIBCXX_3.4.32");

        Assert.Equal(0, original.RelocationsAgainst(glibcxx32.Index));
        Assert.Equal(new[] { "_ZSt21ios_base_library_initv" }, original.SymbolsBoundTo(glibcxx32.Index));
    }

    [Fact]
    public void A_version_that_is_relocated_against_is_refused_with_the_symbols()
    {
        // GLIBCXX_3.4 is the base version nearly every libstdc++ symbol is bound to, so it is relocated against.
        var original = ElfImage.Read(OriginalLibrary());
        var basic = original.ReadVersionRequirements().First(r => r.Version == "GLIBCXX_3.4");

        var error = Assert.Throws<NotSupportedException>(() => CompatibilityCopy.Patch(original, [basic]));

        Assert.Contains("GLIBCXX_3.4 ", error.Message, StringComparison.Ordinal);
        Assert.Contains("relocation", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_is_missing_on_a_system_that_provides_every_version()
    {
        var original = ElfImage.Read(OriginalLibrary());
        var everything = original.ReadVersionRequirements().Select(r => r.Version).ToHashSet();

        Assert.Empty(CompatibilityCopy.MissingVersions(original, "libstdc++.so.6", everything));
    }

    [Fact]
    public void Writing_is_atomic_and_skipped_when_an_identical_copy_exists()
    {
        var folder = Directory.CreateTempSubdirectory("precision-native-").FullName;
        try
        {
            var target = Path.Combine(folder, "sub", "lib.so");
            var bytes = new byte[] { 1, 2, 3, 4 };

            Assert.True(CompatibilityCopy.WriteIfChanged(target, bytes));
            var written = File.GetLastWriteTimeUtc(target);
            Assert.False(CompatibilityCopy.WriteIfChanged(target, bytes));
            Assert.Equal(written, File.GetLastWriteTimeUtc(target));
            Assert.True(CompatibilityCopy.WriteIfChanged(target, [1, 2, 3, 5]));
            Assert.Equal(new byte[] { 1, 2, 3, 5 }, File.ReadAllBytes(target));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(target)!)); // no temporary file left behind
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Malformed_ELF_input_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => ElfImage.Parse(new byte[10], "tiny"));
        Assert.Throws<InvalidDataException>(() => ElfImage.Parse("not an elf file at all, just some text padding it out to 64 bytes...."u8.ToArray(), "text"));
    }

    [Fact]
    public void This_process_bound_to_the_copy_and_not_to_the_original()
    {
        var status = TorchSharpLoader.EnsureLoaded();
        var mapped = File.ReadAllText("/proc/self/maps");

        if (status.CompatibilityCopyUsed)
        {
            Assert.Contains(status.CompatibilityCopyPath!, mapped, StringComparison.Ordinal);
            Assert.Contains("GLIBCXX_3.4.32", status.WeakenedVersions);
            Assert.DoesNotContain(OriginalLibrary(), mapped, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(OriginalLibrary(), mapped, StringComparison.Ordinal);
            Assert.Empty(status.WeakenedVersions);
        }
    }
}
