namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>What a SentencePiece <c>tokenizer.model</c> (protobuf <c>ModelProto</c>) says, as far as tokenization needs.</summary>
internal sealed record SentencePieceModel(
    IReadOnlyList<SentencePiece> Pieces,
    SentencePieceModelType ModelType,
    bool ByteFallback,
    int UnkId,
    int BosId,
    int EosId,
    int PadId,
    bool AddDummyPrefix,
    bool RemoveExtraWhitespaces,
    byte[] PrecompiledCharsmap);
