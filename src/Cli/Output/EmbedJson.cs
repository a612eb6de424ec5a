namespace PrecisionAnalyzers.Cli.Output;

/// <summary>The JSON of <c>precision embed --json</c>. Field names are part of the CLI's contract.</summary>
/// <param name="Dimension">Values per embedding.</param>
/// <param name="Embeddings">One array per text, in the order given.</param>
/// <param name="Dtype">The dtype the encoder ran in.</param>
/// <param name="Device"><c>cpu</c> or <c>cuda:N</c>.</param>
/// <param name="Warnings">PREC1xx warnings of loading, and a PREC109 for each text cut to the model's limit.</param>
/// <param name="Truncated">The texts cut to the model's limit, with their lengths.</param>
public sealed record EmbedJson(int Dimension, IReadOnlyList<float[]> Embeddings, string Dtype, string Device, IReadOnlyList<WarningJson> Warnings, IReadOnlyList<TruncationJson> Truncated);
