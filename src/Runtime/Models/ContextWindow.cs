using System.Globalization;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Diagnostics;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// The positions a decoder reads: <c>max_position_embeddings</c>, or more where the config's RoPE scaling says the model was
/// extended past its pre-training context (<c>original_max_position_embeddings</c> × <c>factor</c>); null when the config says neither.
/// </summary>
public static class ContextWindow
{
    /// <summary>The context of <paramref name="config"/> in tokens, or null when unknown.</summary>
    public static long? Limit(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var scaled = Scaled(config.Rope);
        return (config.MaxPositionEmbeddings, scaled) switch
        {
            (null, null) => null,
            ({ } declared, null) => declared,
            (null, { } extended) => extended,
            ({ } declared, { } extended) => Math.Max(declared, extended),
        };
    }

    /// <summary>Where <see cref="Limit"/> comes from, for messages.</summary>
    public static string Source(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Scaled(config.Rope) is { } extended && extended > (config.MaxPositionEmbeddings ?? 0)
            ? $"original_max_position_embeddings × the {config.Rope.Type} RoPE scaling factor"
            : "max_position_embeddings";
    }

    /// <summary>
    /// Checks <paramref name="promptTokens"/> + <paramref name="maxNewTokens"/> against the context under <paramref name="policy"/>
    /// and returns how many new tokens may be generated (<paramref name="maxNewTokens"/> when they fit or the context is
    /// unknown; the room left under <see cref="ContextOverflow.StopAtLimit"/>). <see cref="ContextOverflow.TruncatePrompt"/>
    /// expects a prompt already cut by <see cref="CausalLM.FitToContext"/> and is checked like <see cref="ContextOverflow.Refuse"/>.
    /// </summary>
    /// <exception cref="ContextLengthException">They do not fit and the policy refuses, or the prompt leaves no room at all.</exception>
    public static int Allowed(ModelConfig config, int promptTokens, int maxNewTokens, ContextOverflow policy)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegative(promptTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        if (Limit(config) is not { } context || promptTokens + (long)maxNewTokens <= context)
        {
            return maxNewTokens;
        }

        if (policy == ContextOverflow.StopAtLimit && promptTokens < context)
        {
            return (int)(context - promptTokens);
        }

        var hint = policy == ContextOverflow.StopAtLimit || promptTokens >= context
            ? "shorten the prompt"
            : string.Create(CultureInfo.InvariantCulture, $"ask for at most {context - promptTokens} new tokens, shorten the prompt, or stop at the limit (ContextOverflow.StopAtLimit)");
        throw new ContextLengthException(promptTokens, maxNewTokens, context, Source(config), hint);
    }

    /// <summary>
    /// The prompt cut so that it and <paramref name="maxNewTokens"/> fit in the context, keeping its last tokens, with the
    /// lengths in <paramref name="truncation"/> (PREC109); the prompt itself and null when it fits or the context is unknown.
    /// </summary>
    /// <exception cref="ContextLengthException"><paramref name="maxNewTokens"/> alone fills the context.</exception>
    public static IReadOnlyList<int> Fit(ModelConfig config, IReadOnlyList<int> promptTokens, int maxNewTokens, out InputTruncation? truncation)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(promptTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        truncation = null;
        if (Limit(config) is not { } context || promptTokens.Count + (long)maxNewTokens <= context)
        {
            return promptTokens;
        }

        if (maxNewTokens >= context)
        {
            throw new ContextLengthException(promptTokens.Count, maxNewTokens, context, Source(config), "the new tokens alone leave no room for a prompt");
        }

        var kept = (int)(context - maxNewTokens);
        truncation = new InputTruncation(0, promptTokens.Count, (int)Math.Min(context, int.MaxValue), kept, $"{Source(config)}, with room for {maxNewTokens} new tokens", KeptEnd: true);
        return promptTokens.Skip(promptTokens.Count - kept).ToArray();
    }

    /// <summary>The PREC110 warning of a generation stopped at the context's end.</summary>
    public static PrecisionWarning StoppedWarning(ModelConfig config, int promptTokens, int generated, int maxNewTokens) => new(
        RuntimeCodes.ContextLimitReached,
        string.Create(CultureInfo.InvariantCulture,
            $"generation stopped at the model's context of {Limit(config)} tokens ({Source(config)}): a prompt of {promptTokens} tokens left room for {generated} of the {maxNewTokens} new tokens asked for."));

    private static long? Scaled(RopeParameters rope) =>
        rope.Type is not "default" && rope.OriginalMaxPositionEmbeddings is { } original && rope.Factor is { } factor && factor >= 1 && double.IsFinite(factor)
            ? (long)Math.Min(original * factor, int.MaxValue)
            : null;
}
