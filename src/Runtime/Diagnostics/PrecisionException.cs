namespace PrecisionAnalyzers.Runtime.Diagnostics;

/// <summary>A run-time failure with its PREC1xx code.</summary>
public class PrecisionException : Exception
{
    public PrecisionException(string code, string message, Exception? inner = null)
        : base($"{code}: {message}", inner)
    {
        Code = code;
    }

    /// <summary>The PREC1xx code.</summary>
    public string Code { get; }
}
