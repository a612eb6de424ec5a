namespace PrecisionAnalyzers.Runtime.Diagnostics;

/// <summary>
/// A well-formed configuration of a model this runtime cannot run (PREC111): a <c>model_type</c>, activation or RoPE scaling
/// it does not implement. <c>precision plan</c> says so as its verdict, <c>precision run</c> exits 3 with this message.
/// </summary>
public sealed class UnsupportedModelException : PrecisionException
{
    public UnsupportedModelException(string message)
        : base(RuntimeCodes.ModelNotSupported, message)
    {
    }
}
