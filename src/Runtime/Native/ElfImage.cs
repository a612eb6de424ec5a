using System.Buffers.Binary;
using System.Text;

namespace PrecisionAnalyzers.Runtime.Native;

/// <summary>
/// A read-only view of a 64-bit little-endian ELF shared object: its section headers and the
/// symbol-versioning sections the dynamic linker checks (<c>.gnu.version_r</c>, <c>.gnu.version_d</c>, <c>.gnu.version</c>).
/// Only what the compatibility copy needs; every offset is bounds-checked.
/// </summary>
internal sealed class ElfImage
{
    private const uint ShtRela = 4;
    private const uint ShtRel = 9;
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;

    /// <summary>The <c>vna_flags</c> bit that makes a missing version requirement a warning instead of a load failure.</summary>
    public const ushort VerFlagWeak = 0x2;

    private readonly byte[] _bytes;
    private readonly List<Section> _sections = new();

    private ElfImage(byte[] bytes, string path)
    {
        _bytes = bytes;
        Path = path;
        ReadSections();
    }

    /// <summary>The file this image was read from.</summary>
    public string Path { get; }

    /// <summary>The raw bytes of the file.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    public static ElfImage Read(string path) => Parse(File.ReadAllBytes(path), path);

    public static ElfImage Parse(byte[] bytes, string path)
    {
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
        {
            throw new InvalidDataException($"{path} is not an ELF file.");
        }

        if (bytes[4] != 2 || bytes[5] != 1)
        {
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file.");
        }

        return new ElfImage(bytes, path);
    }

    /// <summary>Every version requirement (<c>Elf64_Vernaux</c>) with the library it is required from.</summary>
    public IReadOnlyList<VersionRequirement> ReadVersionRequirements()
    {
        var result = new List<VersionRequirement>();
        var verneed = _sections.FirstOrDefault(s => s.Type == ShtGnuVerneed);
        if (verneed is null)
        {
            return result;
        }

        var strings = SectionAt(verneed.Link);
        long entry = verneed.Offset;
        for (var guard = 0; guard < 4096; guard++)
        {
            Ensure(entry, 16, verneed);
            var count = U16(entry + 2);
            var file = ReadString(strings, U32(entry + 4));
            long aux = entry + U32(entry + 8);
            for (var i = 0; i < count; i++)
            {
                Ensure(aux, 16, verneed);
                var flags = U16(aux + 4);
                var index = U16(aux + 6);
                var name = ReadString(strings, U32(aux + 8));
                result.Add(new VersionRequirement(file, name, flags, index, aux + 4));
                var next = U32(aux + 12);
                if (next == 0)
                {
                    break;
                }

                aux += next;
            }

            var nextEntry = U32(entry + 12);
            if (nextEntry == 0)
            {
                break;
            }

            entry += nextEntry;
        }

        return result;
    }

    /// <summary>The version names this library defines (<c>.gnu.version_d</c>), e.g. <c>GLIBCXX_3.4.30</c>.</summary>
    public IReadOnlySet<string> ReadVersionDefinitions()
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var verdef = _sections.FirstOrDefault(s => s.Type == ShtGnuVerdef);
        if (verdef is null)
        {
            return result;
        }

        var strings = SectionAt(verdef.Link);
        long entry = verdef.Offset;
        for (var guard = 0; guard < 65536; guard++)
        {
            Ensure(entry, 20, verdef);
            var auxOffset = U32(entry + 12);
            if (auxOffset != 0)
            {
                Ensure(entry + auxOffset, 8, verdef);
                result.Add(ReadString(strings, U32(entry + auxOffset)));
            }

            var next = U32(entry + 16);
            if (next == 0)
            {
                break;
            }

            entry += next;
        }

        return result;
    }

    /// <summary>The dynamic symbols bound to the version with <paramref name="versionIndex"/> (the <c>vna_other</c> of a requirement).</summary>
    public IReadOnlyList<string> SymbolsBoundTo(ushort versionIndex)
    {
        var result = new List<string>();
        var dynsym = _sections.FirstOrDefault(s => s.Type == ShtDynsym);
        var versym = _sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        if (dynsym is null || versym is null)
        {
            return result;
        }

        var strings = SectionAt(dynsym.Link);
        var count = dynsym.Size / 24;
        for (long i = 0; i < count; i++)
        {
            Ensure(versym.Offset + (i * 2), 2, versym);
            if ((U16(versym.Offset + (i * 2)) & 0x7fff) == versionIndex)
            {
                result.Add(ReadString(strings, U32(dynsym.Offset + (i * 24))));
            }
        }

        return result;
    }

    /// <summary>How many dynamic relocations refer to a symbol bound to the version with <paramref name="versionIndex"/>.</summary>
    public int RelocationsAgainst(ushort versionIndex)
    {
        var dynsymIndex = _sections.FindIndex(s => s.Type == ShtDynsym);
        var versym = _sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        if (dynsymIndex < 0 || versym is null)
        {
            return 0;
        }

        var total = 0;
        foreach (var section in _sections.Where(s => (s.Type == ShtRela || s.Type == ShtRel) && s.Link == dynsymIndex))
        {
            var entrySize = section.Type == ShtRela ? 24 : 16;
            for (long offset = section.Offset; offset + entrySize <= section.Offset + section.Size; offset += entrySize)
            {
                Ensure(offset, entrySize, section);
                var symbol = (long)(U64(offset + 8) >> 32);
                if (symbol == 0)
                {
                    continue;
                }

                var versymOffset = versym.Offset + (symbol * 2);
                if (versymOffset + 2 <= versym.Offset + versym.Size && (U16(versymOffset) & 0x7fff) == versionIndex)
                {
                    total++;
                }
            }
        }

        return total;
    }

    private void ReadSections()
    {
        var sectionOffset = (long)U64(40);
        var entrySize = U16(58);
        var count = U16(60);
        if (sectionOffset == 0 || count == 0)
        {
            return;
        }

        if (entrySize < 64 || sectionOffset < 0 || sectionOffset + ((long)entrySize * count) > _bytes.Length)
        {
            throw new InvalidDataException($"{Path}: section headers lie outside the file.");
        }

        for (var i = 0; i < count; i++)
        {
            var header = sectionOffset + ((long)i * entrySize);
            var type = U32(header + 4);
            var offset = (long)U64(header + 24);
            var size = (long)U64(header + 32);
            var link = (int)U32(header + 40);
            var section = new Section(type, offset, size, link);
            if (type != 8 /* SHT_NOBITS */ && (offset < 0 || size < 0 || offset + size > _bytes.Length))
            {
                throw new InvalidDataException($"{Path}: section {i} lies outside the file.");
            }

            _sections.Add(section);
        }
    }

    private Section SectionAt(int index) =>
        index >= 0 && index < _sections.Count ? _sections[index] : throw new InvalidDataException($"{Path}: section link {index} out of range.");

    private string ReadString(Section strings, uint offset)
    {
        if (offset >= strings.Size)
        {
            throw new InvalidDataException($"{Path}: string offset {offset} outside its string table.");
        }

        var start = (int)(strings.Offset + offset);
        var end = Array.IndexOf(_bytes, (byte)0, start, (int)(strings.Offset + strings.Size - start));
        if (end < 0)
        {
            throw new InvalidDataException($"{Path}: unterminated string in its string table.");
        }

        return Encoding.ASCII.GetString(_bytes, start, end - start);
    }

    private void Ensure(long offset, int length, Section within)
    {
        if (offset < within.Offset || offset + length > within.Offset + within.Size)
        {
            throw new InvalidDataException($"{Path}: a versioning entry lies outside its section.");
        }
    }

    private ushort U16(long offset) => BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan((int)offset, 2));

    private uint U32(long offset) => BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan((int)offset, 4));

    private ulong U64(long offset) => BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan((int)offset, 8));

    private sealed record Section(uint Type, long Offset, long Size, int Link);
}

/// <summary>One version a shared object requires from one of its dependencies.</summary>
/// <param name="Library">The dependency, e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Version">The version name, e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Flags">The <c>vna_flags</c> field.</param>
/// <param name="Index">The <c>vna_other</c> field: the index symbols use in <c>.gnu.version</c>.</param>
/// <param name="FlagsOffset">The file offset of the two-byte <c>vna_flags</c> field.</param>
internal sealed record VersionRequirement(string Library, string Version, ushort Flags, ushort Index, long FlagsOffset)
{
    public bool IsWeak => (Flags & ElfImage.VerFlagWeak) != 0;
}
