namespace PrecisionAnalyzers.Runtime.Diagnostics;

/// <summary>A run-time warning with its PREC1xx code.</summary>
public sealed record PrecisionWarning(string Code, string Message)
{
    public override string ToString() => $"{Code}: {Message}";
}
