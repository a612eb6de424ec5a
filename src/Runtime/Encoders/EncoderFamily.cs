using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary>
/// What distinguishes one BERT-style encoder family from another: the prefix its checkpoints put before the body's
/// weight names, and how position ids are counted. The layers are the same.
/// </summary>
/// <param name="ModelType"><c>model_type</c> in config.json.</param>
/// <param name="WeightPrefix">The prefix of a checkpoint saved from a task model (<c>bert.</c>, <c>roberta.</c>); weights may also come without it.</param>
/// <param name="PositionsAfterPadding">
/// RoBERTa: real tokens take positions <c>padding_idx + 1, padding_idx + 2, …</c> and padding takes <c>padding_idx</c>;
/// BERT: positions <c>0, 1, …</c>.
/// </param>
/// <param name="DefaultPadTokenId"><c>pad_token_id</c> when config.json does not give one.</param>
public sealed record EncoderFamily(string ModelType, string WeightPrefix, bool PositionsAfterPadding, long DefaultPadTokenId)
{
    public static readonly EncoderFamily Bert = new("bert", "bert.", false, 0);
    public static readonly EncoderFamily Roberta = new("roberta", "roberta.", true, 1);
    public static readonly EncoderFamily XlmRoberta = new("xlm-roberta", "roberta.", true, 1);

    public static IReadOnlyList<EncoderFamily> All { get; } = [Bert, Roberta, XlmRoberta];

    public static EncoderFamily? Find(string modelType) => All.FirstOrDefault(f => f.ModelType == modelType);

    /// <summary>The number of positions a text can use: RoBERTa spends <c>padding_idx + 1</c> of the table before the first token.</summary>
    public long UsablePositions(long maxPositionEmbeddings, long padTokenId) =>
        PositionsAfterPadding ? maxPositionEmbeddings - padTokenId - 1 : maxPositionEmbeddings;

    /// <summary>Position ids [batch, seq] (int64) for an attention mask [batch, seq] of 1 (token) and 0 (padding).</summary>
    public Tensor PositionIds(Tensor attentionMask, long padTokenId)
    {
        if (!PositionsAfterPadding)
        {
            return arange(attentionMask.shape[1], dtype: ScalarType.Int64, device: attentionMask.device).unsqueeze(0).expand(attentionMask.shape[0], -1);
        }

        using var counted = attentionMask.cumsum(1, ScalarType.Int64);
        using var real = counted * attentionMask;
        return real + padTokenId;
    }
}
