using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using PrecisionAnalyzers.Runtime.Checkpoints;

namespace PrecisionAnalyzers.Cli.Output;

/// <summary>Writes a 2-D float32 array as a NumPy <c>.npy</c> file (format 1.0, little-endian, C order), atomically.</summary>
public static class NpyWriter
{
    public static void Write(string path, IReadOnlyList<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var columns = rows.Count == 0 ? 0 : rows[0].Length;
        if (rows.Any(r => r.Length != columns))
        {
            throw new ArgumentException("Every row must have the same length.", nameof(rows));
        }

        var dictionary = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows.Count}, {columns}), }}");
        // Magic (6) + version (2) + header length (2) + header, padded with spaces and ended by '\n' to a multiple of 64.
        var total = (10 + dictionary.Length + 1 + 63) / 64 * 64;
        var header = dictionary.PadRight(total - 10 - 1) + "\n";
        AtomicFile.Write(path, stream =>
        {
            stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            stream.Write(BitConverter.GetBytes((ushort)header.Length));
            stream.Write(Encoding.ASCII.GetBytes(header));
            foreach (var row in rows)
            {
                stream.Write(MemoryMarshal.AsBytes(row.AsSpan()));
            }
        });
    }
}
