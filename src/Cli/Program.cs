using System.Runtime.InteropServices;
using PrecisionAnalyzers.Cli;

// Ctrl+C and SIGTERM cancel the verb's token: a verb stops at its next check, says so, and exits 130 with nothing half
// written (training names its last checkpoint). A second Ctrl+C ends the process at once.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
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

return await PrecisionApp.RunAsync(args, Console.Out, Console.Error, cancellation.Token).ConfigureAwait(false);
