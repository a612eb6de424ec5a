namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// The special token ids of a checkpoint: BOS, the stop tokens for generation (every EOS id found), pad,
/// and whether encoding starts with BOS.
/// </summary>
public sealed record SpecialTokenIds(int? BosId, IReadOnlyList<int> EosIds, int? PadId, bool AddBos)
{
    /// <summary>The first EOS id, or null when the checkpoint names none.</summary>
    public int? EosId => EosIds.Count > 0 ? EosIds[0] : null;

    /// <summary>True when generation should stop at <paramref name="id"/>.</summary>
    public bool IsStopToken(int id) => EosIds.Contains(id);
}
