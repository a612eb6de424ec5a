namespace PrecisionAnalyzers.Runtime.Planning;

/// <summary>One <c>vllm serve</c> flag with the reason the planner chose its value.</summary>
public sealed record VllmFlag(string Name, string Value, string Reason);
