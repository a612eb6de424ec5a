using System.Diagnostics;
using System.Globalization;

namespace PrecisionAnalyzers.Runtime.Tests.Fuzzing;

/// <summary>
/// Runs a target on mutated inputs. Iteration <c>i</c> of seed <c>s</c> draws its input from a random source seeded by
/// (s, i) alone, so a run is deterministic and any one iteration can be regenerated. A worker thread runs the inputs while
/// this thread watches the clock: an input running past the bound is a hang, written out like any other crash (the worker
/// is then abandoned; it is a background thread). Each distinct crash (exception type and throwing frame) is written to
/// the findings folder once.
/// </summary>
internal static class FuzzRunner
{
    private const int MaxCrashes = 25;

    /// <summary>Holds "seed iteration" of the input being run, so that a run the process does not survive is reported by the next.</summary>
    private const string InFlightFile = "in-flight.txt";

    public static FuzzReport Run(FuzzTarget target, FuzzSettings settings)
    {
        var corpus = FuzzCorpus.Seeds(target);
        var iterations = settings.IterationsFor(target);
        var scratch = Directory.CreateTempSubdirectory($"precision-fuzz-{target.Name}-").FullName;
        var crashes = new List<FuzzCrash>();
        var signatures = new HashSet<string>(StringComparer.Ordinal);
        var rejected = new Dictionary<string, int>(StringComparer.Ordinal);
        var accepted = 0;
        var executed = 0;
        long mutationTicks = 0;
        long startedAt = 0;
        var current = -1;
        byte[] currentInput = [];
        var clock = Stopwatch.StartNew();
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        var inFlight = Path.Combine(settings.FindingsFolder, target.Name, InFlightFile);
        Directory.CreateDirectory(Path.GetDirectoryName(inFlight)!);
        try
        {
            var words = File.Exists(inFlight) ? File.ReadAllText(inFlight).Split(' ') : [];
            File.Delete(inFlight);
            if (words.Length == 2 && int.TryParse(words[0], CultureInfo.InvariantCulture, out var seed) && int.TryParse(words[1], CultureInfo.InvariantCulture, out var iteration))
            {
                // The last run of this target never finished: the process died in native code (a Rust panic, a stack
                // overflow). The marker says at which input; it is regenerated and reported like any crash.
                crashes.Add(Record(target, settings with { Seed = seed }, iteration, "process died", "the previous run of this target ended the process at this input", Input(corpus, seed, iteration)));
                return new FuzzReport(target.Name, settings.Seed, 0, clock.Elapsed, TimeSpan.Zero, TimeSpan.Zero, 0, rejected, crashes);
            }

            target.PrepareFolder?.Invoke(scratch);
            var worker = new Thread(() =>
            {
                for (var i = 0; i < iterations && crashes.Count < MaxCrashes; i++)
                {
                    var mutating = Stopwatch.GetTimestamp();
                    var input = Input(corpus, settings.Seed, i);
                    mutationTicks += Stopwatch.GetTimestamp() - mutating;
                    Volatile.Write(ref currentInput, input);
                    Volatile.Write(ref startedAt, Stopwatch.GetTimestamp());
                    Volatile.Write(ref current, i);
                    // Written aside and renamed over: a process that dies mid-write still leaves a whole marker.
                    File.WriteAllText(inFlight + ".new", FormattableString.Invariant($"{settings.Seed} {i}"));
                    File.Move(inFlight + ".new", inFlight, overwrite: true);
                    var error = Execute(target, input, scratch);
                    Volatile.Write(ref current, -1);
                    lock (crashes)
                    {
                        executed++;
                        if (error is null)
                        {
                            accepted++;
                        }
                        else if (target.IsAllowed(error))
                        {
                            var name = error.GetType().Name;
                            rejected[name] = rejected.GetValueOrDefault(name) + 1;
                        }
                        else if (signatures.Add(Signature(error)))
                        {
                            crashes.Add(Record(target, settings, i, Signature(error), error.ToString(), input));
                        }
                    }
                }
            })
            { IsBackground = true, Name = $"fuzz {target.Name}" };
            worker.Start();
            while (!worker.Join(200))
            {
                var running = Volatile.Read(ref current);
                if (running >= 0 && Stopwatch.GetElapsedTime(Volatile.Read(ref startedAt)) > settings.PerInputBound && Volatile.Read(ref current) == running)
                {
                    lock (crashes)
                    {
                        crashes.Add(Record(target, settings, running, "hang", $"still running after {settings.PerInputBound.TotalSeconds:F0} s", Volatile.Read(ref currentInput)));
                    }

                    break;
                }
            }

            if (!worker.IsAlive)
            {
                File.Delete(inFlight);
            }

            lock (crashes)
            {
                return new FuzzReport(target.Name, settings.Seed, executed, clock.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart, Stopwatch.GetElapsedTime(0, mutationTicks), accepted, new Dictionary<string, int>(rejected), crashes.ToList());
            }
        }
        finally
        {
            TryDelete(scratch);
        }
    }

    /// <summary>The input of iteration <paramref name="iteration"/> of <paramref name="seed"/>.</summary>
    public static byte[] Input(IReadOnlyList<byte[]> corpus, int seed, int iteration)
    {
        var random = new Random(Mix(seed, iteration));
        // One input in 64 is a seed as it is: the readers must take their own real files.
        return random.Next(64) == 0 ? corpus[random.Next(corpus.Count)] : FuzzMutator.Mutate(random, corpus);
    }

    /// <summary>Runs one input; the exception it ended with, or null.</summary>
    public static Exception? Execute(FuzzTarget target, byte[] input, string folder)
    {
        try
        {
            target.Run(input, folder);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static string Signature(Exception error)
    {
        var frame = new StackTrace(error, false).GetFrames().Select(f => f.GetMethod()).FirstOrDefault(m => m?.DeclaringType?.Namespace?.StartsWith("PrecisionAnalyzers.Runtime", StringComparison.Ordinal) == true);
        return $"{error.GetType().FullName} at {frame?.DeclaringType?.Name}.{frame?.Name}";
    }

    private static FuzzCrash Record(FuzzTarget target, FuzzSettings settings, int iteration, string signature, string detail, byte[] input)
    {
        var folder = Path.Combine(settings.FindingsFolder, target.Name);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"seed{settings.Seed}-iteration{iteration}{Path.GetExtension(target.InputFile)}");
        File.WriteAllBytes(path, input);
        return new FuzzCrash(target.Name, settings.Seed, iteration, signature, detail, path);
    }

    private static int Mix(int seed, int iteration)
    {
        // splitmix64 of (seed, iteration): stable across runtimes, unlike HashCode.
        var z = ((ulong)(uint)seed << 32 | (uint)iteration) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(z ^ (z >> 31));
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
