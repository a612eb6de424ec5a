namespace PrecisionAnalyzers.Cli;

/// <summary>
/// Lets an interactive verb take Ctrl+C for itself (chat: stop the current answer) instead of cancelling the whole
/// command. <c>Program</c> asks <see cref="TryHandle"/> first; with no handler, or when it declines, Ctrl+C cancels the verb.
/// </summary>
public static class ConsoleInterrupts
{
    private static Func<bool>? _handler;

    /// <summary>Installs <paramref name="handler"/> until the result is disposed. It returns true when it took the interrupt.</summary>
    public static IDisposable Register(Func<bool> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Volatile.Write(ref _handler, handler);
        return new Registration(handler);
    }

    /// <summary>Offers a Ctrl+C to the installed handler; true when it took it.</summary>
    public static bool TryHandle() => Volatile.Read(ref _handler)?.Invoke() ?? false;

    private sealed class Registration(Func<bool> handler) : IDisposable
    {
        public void Dispose() => Interlocked.CompareExchange(ref _handler, null, handler);
    }
}
