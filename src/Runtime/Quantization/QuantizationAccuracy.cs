using PrecisionAnalyzers.Runtime.Models;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Quantization;

/// <summary>
/// How far a quantized model's next-token distributions are from a reference's on one fixed token sequence, read in one
/// forward pass each (teacher forcing): top-1 agreement, mean KL(reference ‖ candidate), and both perplexities.
/// </summary>
/// <param name="Positions">Positions compared (the sequence length; perplexity uses one fewer).</param>
/// <param name="Top1Agreement">Fraction of positions whose most likely next token is the same.</param>
/// <param name="MeanKlDivergence">Mean over positions of KL(reference ‖ candidate) in nats.</param>
/// <param name="ReferencePerplexity">exp of the reference's mean negative log-likelihood of the sequence's next tokens.</param>
/// <param name="CandidatePerplexity">The same for the candidate.</param>
public sealed record QuantizationAccuracy(int Positions, double Top1Agreement, double MeanKlDivergence, double ReferencePerplexity, double CandidatePerplexity)
{
    /// <summary>Compares <paramref name="candidate"/> with <paramref name="reference"/> on <paramref name="tokens"/> (one sequence).</summary>
    public static QuantizationAccuracy Measure(DecoderModel reference, DecoderModel candidate, IReadOnlyList<int> tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count < 2)
        {
            throw new ArgumentException("at least two tokens are needed.", nameof(tokens));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(tokens.Select(t => (long)t).ToArray(), ScalarType.Int64).view(1, tokens.Count);
        var p = F.log_softmax(reference.Forward(ids, cancellationToken: cancellationToken).to_type(ScalarType.Float32)[0], 1);
        var q = F.log_softmax(candidate.Forward(ids, cancellationToken: cancellationToken).to_type(ScalarType.Float32)[0], 1);
        var agreement = p.argmax(1).eq(q.argmax(1)).to_type(ScalarType.Float64).mean().item<double>();
        var kl = (p.exp() * (p - q)).sum(1).mean().to_type(ScalarType.Float64).item<double>();
        var next = tensor(tokens.Skip(1).Select(t => (long)t).ToArray(), ScalarType.Int64).unsqueeze(1);
        double Perplexity(Tensor logProbabilities) =>
            Math.Exp(-logProbabilities.narrow(0, 0, tokens.Count - 1).gather(1, next).to_type(ScalarType.Float64).mean().item<double>());
        return new QuantizationAccuracy(tokens.Count, agreement, kl, Perplexity(p), Perplexity(q));
    }
}
