using System.Text;

namespace PrecisionAnalyzers.Runtime.Tests.Tokenization;

/// <summary>
/// Writes a tiny SentencePiece <c>tokenizer.model</c> by hand, as protobuf bytes (sentencepiece_model.proto):
/// ModelProto { 1: repeated SentencePiece { 1: piece, 2: score (float), 3: type }, 2: TrainerSpec, 3: NormalizerSpec }.
/// </summary>
internal sealed class SentencePieceModelBuilder
{
    public const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Byte = 6;
    public const int UnigramModel = 1, BpeModel = 2;

    private readonly List<(string Piece, float Score, int Type)> _pieces = [];

    public SentencePieceModelBuilder Add(string piece, float score, int type = Normal)
    {
        _pieces.Add((piece, score, type));
        return this;
    }

    public byte[] Build(int modelType, bool byteFallback = false)
    {
        var model = new MemoryStream();
        foreach (var (piece, score, type) in _pieces)
        {
            var p = new MemoryStream();
            WriteString(p, 1, piece);
            WriteTag(p, 2, 5);
            p.Write(BitConverter.GetBytes(score));
            WriteVarintField(p, 3, (ulong)type);
            WriteBytes(model, 1, p.ToArray());
        }

        var trainer = new MemoryStream();
        WriteVarintField(trainer, 3, (ulong)modelType);
        WriteVarintField(trainer, 4, (ulong)_pieces.Count);
        WriteVarintField(trainer, 35, byteFallback ? 1UL : 0UL);
        WriteVarintField(trainer, 40, 0); // unk_id
        WriteVarintField(trainer, 41, 1); // bos_id
        WriteVarintField(trainer, 42, 2); // eos_id
        WriteVarintField(trainer, 43, unchecked((ulong)-1L)); // pad_id = -1
        WriteBytes(model, 2, trainer.ToArray());

        var normalizer = new MemoryStream();
        WriteString(normalizer, 1, "identity");
        WriteVarintField(normalizer, 3, 1); // add_dummy_prefix
        WriteVarintField(normalizer, 4, 1); // remove_extra_whitespaces
        WriteVarintField(normalizer, 5, 1); // escape_whitespaces
        WriteBytes(model, 3, normalizer.ToArray());
        return model.ToArray();
    }

    private static void WriteTag(Stream s, int field, int wireType) => WriteVarint(s, (ulong)((field << 3) | wireType));

    private static void WriteVarintField(Stream s, int field, ulong value)
    {
        WriteTag(s, field, 0);
        WriteVarint(s, value);
    }

    private static void WriteString(Stream s, int field, string value) => WriteBytes(s, field, Encoding.UTF8.GetBytes(value));

    private static void WriteBytes(Stream s, int field, byte[] value)
    {
        WriteTag(s, field, 2);
        WriteVarint(s, (ulong)value.Length);
        s.Write(value);
    }

    private static void WriteVarint(Stream s, ulong value)
    {
        while (value >= 0x80)
        {
            s.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        s.WriteByte((byte)value);
    }
}
