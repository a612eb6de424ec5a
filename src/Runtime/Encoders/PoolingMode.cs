namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary>How token embeddings become one sentence embedding (sentence-transformers' pooling modes).</summary>
public enum PoolingMode
{
    /// <summary>The first real token (<c>[CLS]</c>/<c>&lt;s&gt;</c>).</summary>
    Cls,

    /// <summary>The largest value of each dimension over the real tokens.</summary>
    Max,

    /// <summary>The average over the real tokens.</summary>
    Mean,

    /// <summary>The sum over the real tokens divided by √(number of tokens).</summary>
    MeanSqrtLen,

    /// <summary>The average with token i (from 1) weighted by i.</summary>
    WeightedMean,

    /// <summary>The last real token.</summary>
    LastToken,
}
