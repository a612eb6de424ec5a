namespace PrecisionAnalyzers.Cli;

/// <summary>Reports synchronously on the caller's thread (unlike <see cref="Progress{T}"/>, which posts), so a bar or a line
/// is drawn before the work goes on.</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
