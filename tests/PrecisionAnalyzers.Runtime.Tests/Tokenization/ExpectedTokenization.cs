namespace PrecisionAnalyzers.Runtime.Tests.Tokenization;

/// <summary>What the reference gives for one corpus string: ids with and without special tokens, and the decoded text.</summary>
internal sealed record ExpectedTokenization(int[] Ids, int[] PlainIds, string Decoded);
