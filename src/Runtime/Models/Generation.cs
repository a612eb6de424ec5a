using PrecisionAnalyzers.Runtime.Diagnostics;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>How to generate.</summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 32;

    /// <summary>0 is greedy decoding.</summary>
    public double Temperature { get; init; }

    public int? TopK { get; init; }

    public double? TopP { get; init; }

    /// <summary>Seed of the sampler; null draws one.</summary>
    public int? Seed { get; init; }

    /// <summary>Generation stops after emitting any of these (the stop token is included in the output).</summary>
    public IReadOnlyCollection<int> StopTokenIds { get; init; } = [];

    /// <summary>
    /// When the prompt and <see cref="MaxNewTokens"/> do not fit in the model's context (<see cref="ContextWindow"/>): refuse
    /// before any work (the default), or stop at the limit with a PREC110 warning.
    /// </summary>
    public ContextOverflow ContextOverflow { get; init; } = ContextOverflow.Refuse;

    /// <summary>Keep the FP32 logits of the last prompt position and of every generated step in the result.</summary>
    public bool CaptureLogits { get; init; }
}

/// <summary>One generated token, as streamed to the caller.</summary>
/// <param name="Index">0 for the first generated token. After a dtype fallback the stream restarts at 0.</param>
/// <param name="TokenId">The token id.</param>
/// <param name="Dtype">The dtype of the run that produced it.</param>
public readonly record struct GeneratedToken(int Index, int TokenId, DType Dtype);

/// <summary>Why generation ended.</summary>
public enum StopReason
{
    MaxNewTokens,
    StopToken,

    /// <summary>The context was full (<see cref="ContextOverflow.StopAtLimit"/>; a PREC110 warning says so).</summary>
    ContextLimit,
}

/// <summary>The outcome of one generation request.</summary>
public sealed record GenerationResult
{
    public required IReadOnlyList<int> PromptTokens { get; init; }

    public required IReadOnlyList<int> Tokens { get; init; }

    /// <summary>The dtype whose run produced <see cref="Tokens"/> (the safer one after a fallback).</summary>
    public required DType Dtype { get; init; }

    public required StopReason StopReason { get; init; }

    public IReadOnlyList<PrecisionWarning> Warnings { get; init; } = [];

    /// <summary>Whether a key/value cache was used.</summary>
    public bool UsedCache { get; init; }

    public TimeSpan PrefillTime { get; init; }

    public TimeSpan DecodeTime { get; init; }

    /// <summary>Prompt tokens per second of the first forward pass.</summary>
    public double PrefillTokensPerSecond => PrefillTime > TimeSpan.Zero ? PromptTokens.Count / PrefillTime.TotalSeconds : 0;

    /// <summary>Generated tokens after the first, per second.</summary>
    public double DecodeTokensPerSecond => DecodeTime > TimeSpan.Zero && Tokens.Count > 1 ? (Tokens.Count - 1) / DecodeTime.TotalSeconds : 0;

    /// <summary>With <see cref="GenerationOptions.CaptureLogits"/>: the logits (FP32) of the last prompt position and each generated step.</summary>
    public IReadOnlyList<float[]>? Logits { get; init; }
}
