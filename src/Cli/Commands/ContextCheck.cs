using System.Globalization;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Models;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>
/// The prompt and <c>--max-new-tokens</c> against the model's context, before any weight is read: refused as bad input
/// naming both numbers and the flags, or fitted as <c>--context-overflow</c> says.
/// </summary>
internal static class ContextCheck
{
    /// <summary>The prompt to generate from (cut under <c>truncate</c>); bad input when it cannot fit under <paramref name="policy"/>.</summary>
    public static IReadOnlyList<int> Fit(ModelConfig config, IReadOnlyList<int> prompt, int maxNewTokens, ContextOverflow policy, out InputTruncation? truncation)
    {
        truncation = null;
        try
        {
            var fitted = policy == ContextOverflow.TruncatePrompt ? ContextWindow.Fit(config, prompt, maxNewTokens, out truncation) : prompt;
            ContextWindow.Allowed(config, fitted.Count, maxNewTokens, policy);
            return fitted;
        }
        catch (ContextLengthException e)
        {
            throw new BadInputException(Message(e, ContextWindow.Source(config)), e);
        }
    }

    /// <summary>The runtime's refusal in the command's words.</summary>
    public static string Message(ContextLengthException e, string source)
    {
        var room = e.Context - e.PromptTokens;
        var advice = room >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"give --max-new-tokens {room} or less, a shorter prompt, or --context-overflow stop (end at the limit) or truncate (keep the prompt's end)")
            : e.MaxNewTokens < e.Context ? "give a shorter prompt, or --context-overflow truncate (keep the prompt's end)" : "give fewer --max-new-tokens and a shorter prompt";
        return string.Create(CultureInfo.InvariantCulture,
            $"the prompt has {e.PromptTokens} tokens and --max-new-tokens is {e.MaxNewTokens}: {(long)e.PromptTokens + e.MaxNewTokens} positions, past the model's context of {e.Context} tokens ({source}); {advice}.");
    }
}
