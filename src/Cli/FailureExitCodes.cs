using System.Reflection;
using System.Runtime.InteropServices;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Adapters;
using PrecisionAnalyzers.Runtime.Chat;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Encoders;
using PrecisionAnalyzers.Runtime.Hardware;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Tokenization;
using PrecisionAnalyzers.Runtime.Training;

namespace PrecisionAnalyzers.Cli;

/// <summary>
/// The one place a failure becomes an exit code (documented in the README): every typed input error of the runtime and of
/// the CLI is bad input (2); a model that cannot run, in the dtype asked or at all, is 3; cancelling is 130; a platform
/// that cannot load TorchSharp is 1 with its own advice. Anything else is a bug: <see cref="Map"/> returns null, and
/// <see cref="PrecisionApp"/> says so in one line and writes the details to a report file.
/// </summary>
public static class FailureExitCodes
{
    /// <summary>The exit code and message of <paramref name="failure"/>, or null when it is unexpected (a bug).</summary>
    public static CliFailure? Map(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var e = Unwrap(failure);
        return e switch
        {
            OperationCanceledException => new CliFailure(ExitCodes.Cancelled, "cancelled"),
            BadInputException or ModelConfigException or SafetensorsFormatException or WeightMappingException or AdapterFormatException
                or ChatTemplateException or TokenizerException or DatasetException or HardwareProfileException or SentenceModelException
                or ContextLengthException => new CliFailure(ExitCodes.BadInput, e.Message),
            UnauthorizedAccessException => new CliFailure(ExitCodes.BadInput, e.Message + " (permission denied)"),
            FileNotFoundException or DirectoryNotFoundException or PathTooLongException => new CliFailure(ExitCodes.BadInput, e.Message),
            IOException => new CliFailure(ExitCodes.BadInput, e.Message),
            NonFiniteActivationsException nonFinite => new CliFailure(ExitCodes.CannotRun, NonFinite(nonFinite)),
            PrecisionException => new CliFailure(ExitCodes.CannotRun, e.Message),
            NotSupportedException when IsOurs(e) => new CliFailure(ExitCodes.CannotRun, e.Message),
            OutOfMemoryException => new CliFailure(ExitCodes.CannotRun, "out of memory: " + e.Message),
            ExternalException when IsAllocationFailure(e.Message) => new CliFailure(ExitCodes.CannotRun, "out of memory: " + FirstLine(e.Message)),
            TorchSharpLoadException => new CliFailure(ExitCodes.Failure, e.Message),
            _ => null,
        };
    }

    /// <summary>The exception a wrapper (an aggregate of one, a reflection call) carries.</summary>
    private static Exception Unwrap(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
        TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        _ => e,
    };

    // PREC104 with no safer dtype left (FP32), or the guard's Throw policy: say what to look at.
    private static string NonFinite(NonFiniteActivationsException e) => e.Dtype == DType.Float32
        ? e.Message + " FP32 has no safer dtype to fall back to: the weights or the configuration produce NaN or infinity (look for NaN/Inf weights, a negative rms_norm_eps, a rope_theta of 0)."
        : e.Message + " The overflow guard's policy is to stop (OverflowPolicy.Throw); the default policy re-runs in a safer dtype.";

    // NotSupportedException is the runtime's "this model is not supported" (an unknown model_type, activation or RoPE
    // scaling); thrown by the framework instead it is a bug.
    private static bool IsOurs(Exception e) => e.TargetSite?.DeclaringType?.Assembly == typeof(CausalLM).Assembly;

    // libtorch's allocator: "DefaultCPUAllocator: can't allocate memory: you tried to allocate N bytes", CUDA "out of memory".
    private static bool IsAllocationFailure(string message) =>
        message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase) || message.Contains("out of memory", StringComparison.OrdinalIgnoreCase);

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
