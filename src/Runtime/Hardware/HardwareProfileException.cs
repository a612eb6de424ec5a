namespace PrecisionAnalyzers.Runtime.Hardware;

/// <summary>A hardware profile name or file that cannot be used; the message names the file and the field.</summary>
public sealed class HardwareProfileException : Exception
{
    public HardwareProfileException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
