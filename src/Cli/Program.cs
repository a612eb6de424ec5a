using System.Runtime.InteropServices;
using PrecisionAnalyzers.Cli;

// Ctrl+C and SIGTERM cancel the verb's token: a verb stops at its next check, says so, and exits 130 with nothing half
// written (training names its last checkpoint). A second Ctrl+C ends the process at once. An interactive verb (chat)
// may take Ctrl+C for itself: it stops the current answer, not the program.
using var cancellation = new CancellationTokenSource();

// A failure on another thread ends the process; it still gets the one-line bug report, not a stack trace.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    var failure = e.ExceptionObject as Exception ?? new InvalidOperationException(e.ExceptionObject?.ToString());
    Environment.Exit(FailureExitCodes.Map(failure) is { } known
        ? Say(known)
        : BugReport.Report(failure, args, Console.Error, args.Contains("--verbose")));
};
Console.CancelKeyPress += (_, e) =>
{
    if (e.SpecialKey == ConsoleSpecialKey.ControlC && ConsoleInterrupts.TryHandle())
    {
        e.Cancel = true;
        return;
    }

    if (!cancellation.IsCancellationRequested)
    {
        e.Cancel = true;
        cancellation.Cancel();
    }
};
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});

return await PrecisionApp.RunAsync(args, Console.In, Console.Out, Console.Error, cancellation.Token).ConfigureAwait(false);

static int Say(CliFailure failure)
{
    Console.Error.WriteLine("error: " + failure.Message);
    return failure.ExitCode;
}
