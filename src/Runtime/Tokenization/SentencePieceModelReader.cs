using System.Text;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// Reads a SentencePiece <c>tokenizer.model</c>: the protobuf fields of sentencepiece_model.proto that tokenization needs
/// (pieces; trainer_spec model_type, byte_fallback, unk/bos/eos/pad ids; normalizer_spec precompiled_charsmap,
/// add_dummy_prefix, remove_extra_whitespaces). A truncated or foreign file is a <see cref="TokenizerException"/>.
/// </summary>
internal static class SentencePieceModelReader
{
    public static SentencePieceModel Read(byte[] data, string path)
    {
        try
        {
            return Parse(data);
        }
        catch (FormatException ex)
        {
            throw new TokenizerException(path, $"not a SentencePiece model (truncated or not protobuf): {ex.Message}", ex);
        }
    }

    private static SentencePieceModel Parse(byte[] data)
    {
        var pieces = new List<SentencePiece>();
        var modelType = SentencePieceModelType.Unigram;
        bool byteFallback = false, addDummyPrefix = true, removeExtraWhitespaces = true;
        int unk = 0, bos = 1, eos = 2, pad = -1;
        var charsmap = Array.Empty<byte>();
        var reader = new ProtoReader(data, 0, data.Length);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2):
                    pieces.Add(ReadPiece(reader.Bytes()));
                    break;
                case (2, 2):
                    var (start, length) = reader.Span();
                    var trainer = new ProtoReader(data, start, length);
                    while (trainer.Next(out var f, out var w))
                    {
                        switch (f, w)
                        {
                            case (3, 0): modelType = (SentencePieceModelType)trainer.Varint(); break;
                            case (35, 0): byteFallback = trainer.Varint() != 0; break;
                            case (40, 0): unk = (int)trainer.Varint(); break;
                            case (41, 0): bos = (int)trainer.Varint(); break;
                            case (42, 0): eos = (int)trainer.Varint(); break;
                            case (43, 0): pad = (int)trainer.Varint(); break;
                            default: trainer.Skip(w); break;
                        }
                    }

                    break;
                case (3, 2):
                    var (nStart, nLength) = reader.Span();
                    var normalizer = new ProtoReader(data, nStart, nLength);
                    while (normalizer.Next(out var f, out var w))
                    {
                        switch (f, w)
                        {
                            case (2, 2): charsmap = normalizer.Bytes(); break;
                            case (3, 0): addDummyPrefix = normalizer.Varint() != 0; break;
                            case (4, 0): removeExtraWhitespaces = normalizer.Varint() != 0; break;
                            default: normalizer.Skip(w); break;
                        }
                    }

                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        if (pieces.Count == 0)
        {
            throw new FormatException("it holds no pieces");
        }

        if (!Enum.IsDefined(modelType))
        {
            throw new FormatException($"unknown model_type {(int)modelType}");
        }

        return new SentencePieceModel(pieces, modelType, byteFallback, unk, bos, eos, pad, addDummyPrefix, removeExtraWhitespaces, charsmap);
    }

    private static SentencePiece ReadPiece(byte[] data)
    {
        string? piece = null;
        float score = 0;
        var type = SentencePieceType.Normal;
        var reader = new ProtoReader(data, 0, data.Length);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2): piece = Encoding.UTF8.GetString(reader.Bytes()); break;
                case (2, 5): score = reader.Float(); break;
                case (3, 0): type = (SentencePieceType)reader.Varint(); break;
                default: reader.Skip(wire); break;
            }
        }

        return new SentencePiece(piece ?? throw new FormatException("a piece has no text"), score, type);
    }
}
