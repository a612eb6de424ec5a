using System.Text;

namespace PrecisionAnalyzers.Runtime.Planning;

/// <summary>
/// A <c>vllm serve</c> command for a model on a hardware profile, with the precision planner's decisions: dtype,
/// tensor and pipeline parallel sizes, the longest context the KV cache leaves room for, and quantization; each flag
/// carries its reason. <see cref="Error"/> says why there is no command when the model cannot be served there.
/// </summary>
public sealed record VllmPlan
{
    /// <summary>The vLLM release whose documented flags this command uses (docs/serving.md).</summary>
    public const string VllmVersion = "0.8.4";

    public required string Model { get; init; }

    public required IReadOnlyList<VllmFlag> Flags { get; init; }

    /// <summary>Facts behind the flags (memory per GPU, weights, KV cache per token).</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>Steps before the command (a Ray cluster across nodes), empty on one node.</summary>
    public IReadOnlyList<string> Before { get; init; } = [];

    public string? Error { get; init; }

    public bool CanServe => Error is null;

    public string? Value(string flag) => Flags.FirstOrDefault(f => f.Name == flag)?.Value;

    /// <summary>A shell script: the reasons as comments, then the command, one flag a line.</summary>
    public string ToScript()
    {
        var text = new StringBuilder();
        text.Append("# vLLM plan (flags as documented for vLLM ").Append(VllmVersion).Append(")\n");
        foreach (var note in Notes)
        {
            text.Append("# ").Append(note).Append('\n');
        }

        if (Error is not null)
        {
            text.Append("# cannot serve: ").Append(Error).Append('\n');
            return text.ToString();
        }

        foreach (var flag in Flags)
        {
            text.Append("# ").Append(flag.Name).Append(' ').Append(flag.Value).Append(": ").Append(flag.Reason).Append('\n');
        }

        foreach (var step in Before)
        {
            text.Append("# before: ").Append(step).Append('\n');
        }

        text.Append("vllm serve ").Append(Quote(Model));
        foreach (var flag in Flags)
        {
            text.Append(" \\\n  ").Append(flag.Name).Append(' ').Append(Quote(flag.Value));
        }

        return text.Append('\n').ToString();
    }

    private static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':' or '=') ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
