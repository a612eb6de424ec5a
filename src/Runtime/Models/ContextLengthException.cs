using System.Globalization;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// A generation request that does not fit in the model's context: the prompt's tokens plus the new tokens asked for pass
/// <see cref="Context"/>. Thrown before anything is allocated.
/// </summary>
public sealed class ContextLengthException : ArgumentOutOfRangeException
{
    public ContextLengthException(int promptTokens, int maxNewTokens, long context, string source, string? hint = null)
        : base(null, string.Create(CultureInfo.InvariantCulture,
            $"the prompt has {promptTokens} tokens and {maxNewTokens} new tokens were asked for ({(long)promptTokens + maxNewTokens} in all), past the model's context of {context} tokens ({source}){(hint is null ? "." : "; " + hint)}"))
    {
        PromptTokens = promptTokens;
        MaxNewTokens = maxNewTokens;
        Context = context;
    }

    /// <summary>Tokens of the prompt.</summary>
    public int PromptTokens { get; }

    /// <summary>New tokens asked for.</summary>
    public int MaxNewTokens { get; }

    /// <summary>The context in tokens.</summary>
    public long Context { get; }
}
