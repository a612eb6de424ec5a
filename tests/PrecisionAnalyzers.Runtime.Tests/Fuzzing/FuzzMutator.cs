using System.Buffers.Binary;

namespace PrecisionAnalyzers.Runtime.Tests.Fuzzing;

/// <summary>
/// A seeded, structure-aware mutator: one to four mutations of a corpus entry, chosen from byte-level ones (bit flips,
/// interesting bytes and integers, insertions, deletions, duplicated ranges, truncation, splices with another entry) and,
/// when the entry is JSON, tree-level ones (<see cref="JsonMutator"/>). The same random source gives the same input.
/// </summary>
internal static class FuzzMutator
{
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0xC0, 0xED, 0xF4, (byte)'{', (byte)'}', (byte)'[', (byte)'"', (byte)'\\', (byte)',', (byte)':', (byte)'-', (byte)'9', (byte)'e'];

    private static readonly long[] InterestingIntegers =
        [0, 1, -1, 7, 8, 127, 128, 255, 256, 0x7FFF, 0x8000, 0xFFFF, int.MaxValue, (long)int.MaxValue + 1, uint.MaxValue, long.MaxValue, long.MinValue, 100_000_000, 100_000_001];

    public static byte[] Mutate(Random random, IReadOnlyList<byte[]> corpus)
    {
        var input = corpus[random.Next(corpus.Count)];
        var count = 1 + random.Next(4);
        for (var i = 0; i < count; i++)
        {
            input = random.Next(3) == 0 && JsonMutator.TryMutate(random, input, out var mutated) ? mutated : MutateBytes(random, input, corpus);
        }

        return input;
    }

    private static byte[] MutateBytes(Random random, byte[] input, IReadOnlyList<byte[]> corpus)
    {
        var bytes = new List<byte>(input);
        var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
        switch (random.Next(10))
        {
            case 0 when bytes.Count > 0:
                bytes[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when bytes.Count > 0:
                bytes[at] = InterestingBytes[random.Next(InterestingBytes.Length)];
                break;
            case 2:
                bytes.InsertRange(at, RandomBytes(random, 1 + random.Next(16)));
                break;
            case 3 when bytes.Count > 0:
                bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(64)));
                break;
            case 4 when bytes.Count > 0:
                var length = Math.Min(bytes.Count - at, 1 + random.Next(256));
                bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, length));
                break;
            case 5 when bytes.Count > 8:
                // An integer written over the input: the safetensors length prefix, protobuf fields, offsets.
                var value = InterestingIntegers[random.Next(InterestingIntegers.Length)] + random.Next(-2, 3);
                var place = random.Next(4) == 0 ? 0 : random.Next(bytes.Count - 8);
                var span = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(span, value);
                for (var i = 0; i < 8; i++)
                {
                    bytes[place + i] = span[i];
                }

                break;
            case 6 when bytes.Count > 0:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case 7:
                var other = corpus[random.Next(corpus.Count)];
                var cut = other.Length == 0 ? 0 : random.Next(other.Length);
                bytes.RemoveRange(at, bytes.Count - at);
                bytes.AddRange(other.AsSpan(cut).ToArray());
                break;
            case 8 when bytes.Count > 0:
                // A protobuf varint with its continuation bit set at a random place: lengths that run past the end.
                bytes[at] |= 0x80;
                break;
            default:
                bytes.Insert(at, InterestingBytes[random.Next(InterestingBytes.Length)]);
                break;
        }

        return bytes.ToArray();
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
