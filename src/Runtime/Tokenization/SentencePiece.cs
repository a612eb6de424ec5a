namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>One piece of a SentencePiece vocabulary; its index is its id.</summary>
internal readonly record struct SentencePiece(string Piece, float Score, SentencePieceType Type);
