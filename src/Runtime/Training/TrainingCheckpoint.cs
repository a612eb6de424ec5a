using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PrecisionAnalyzers.Runtime.Adapters;
using PrecisionAnalyzers.Runtime.Checkpoints;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Training;

/// <summary>Where a run stands: what a checkpoint records beside the adapter so that resuming continues the same run.</summary>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="Options">The run's options.</param>
/// <param name="Dtype">The base model's dtype during training.</param>
/// <param name="LossScale">The FP16 loss scale (1 without scaling).</param>
/// <param name="CleanSteps">Clean steps since the scale last changed.</param>
/// <param name="SkippedSteps">Steps skipped for non-finite values.</param>
/// <param name="Losses">The loss of every step so far.</param>
public sealed record TrainerState(int Step, TrainingOptions Options, string Dtype, double LossScale, int CleanSteps, int SkippedSteps, IReadOnlyList<double> Losses);

/// <summary>
/// A training checkpoint folder <c>checkpoint-N</c>: the PEFT adapter (<c>adapter_config.json</c>, <c>adapter_model.safetensors</c>)
/// that PEFT and <see cref="LoraAdapterSet.Load"/> read as it is, plus <c>optimizer.safetensors</c> (AdamW's FP32 moments) and
/// <c>trainer_state.json</c>. The folder is written whole or not at all.
/// </summary>
public static partial class TrainingCheckpoint
{
    public const string StateFile = "trainer_state.json";

    public const string OptimizerFile = "optimizer.safetensors";

    private const string Prefix = "checkpoint-";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The folder name of the checkpoint after <paramref name="step"/> steps.</summary>
    public static string FolderName(int step) => Prefix + step.ToString(CultureInfo.InvariantCulture);

    /// <summary>The checkpoint folders under <paramref name="outputFolder"/>, by step.</summary>
    public static IReadOnlyList<(int Step, string Folder)> List(string outputFolder)
    {
        if (!Directory.Exists(outputFolder))
        {
            return [];
        }

        return Directory.EnumerateDirectories(outputFolder, Prefix + "*")
            .Select(folder => (Ok: int.TryParse(Path.GetFileName(folder)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var step), Step: step, Folder: folder))
            .Where(entry => entry.Ok && File.Exists(Path.Combine(entry.Folder, StateFile)))
            .OrderBy(entry => entry.Step)
            .Select(entry => (entry.Step, entry.Folder))
            .ToArray();
    }

    /// <summary>
    /// Removes the temporary folders an interrupted save left in <paramref name="outputFolder"/> (<c>.checkpoint-N.XXXXXXXX.tmp</c>,
    /// written by <see cref="AtomicFolder"/> and renamed only when whole, so never a checkpoint) and returns their paths.
    /// Called when a run starts or resumes there; two runs must not share an output folder.
    /// </summary>
    public static IReadOnlyList<string> RemoveStaleTemporaries(string outputFolder)
    {
        ArgumentNullException.ThrowIfNull(outputFolder);
        if (!Directory.Exists(outputFolder))
        {
            return [];
        }

        var removed = new List<string>();
        foreach (var folder in Directory.EnumerateDirectories(outputFolder, "." + Prefix + "*.tmp"))
        {
            if (StaleTemporary().IsMatch(Path.GetFileName(folder)))
            {
                Directory.Delete(folder, recursive: true);
                removed.Add(folder);
            }
        }

        return removed;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\.checkpoint-[0-9]+\.[0-9a-f]{8}\.tmp$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex StaleTemporary();

    /// <summary><paramref name="path"/> itself when it is a checkpoint, else the latest checkpoint inside it.</summary>
    /// <exception cref="DirectoryNotFoundException">Neither.</exception>
    public static string Resolve(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(Path.Combine(path, StateFile)))
        {
            return Path.GetFullPath(path);
        }

        var all = List(path);
        return all.Count > 0
            ? all[^1].Folder
            : throw new DirectoryNotFoundException($"{path} is not a training checkpoint (no {StateFile}) and holds no {Prefix}N folder.");
    }

    /// <summary>Writes the checkpoint folder <paramref name="folder"/> atomically.</summary>
    public static void Write(string folder, LoraAdapterSet adapters, AdamW optimizer, TrainerState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(state);
        AtomicFolder.Write(folder, temporary =>
        {
            adapters.Save(temporary, cancellationToken);
            using (no_grad())
            {
                SafetensorsWriter.Write(
                    Path.Combine(temporary, OptimizerFile),
                    optimizer.ExportState(),
                    new Dictionary<string, string> { ["step"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture) },
                    cancellationToken);
            }

            File.WriteAllText(Path.Combine(temporary, StateFile), JsonSerializer.Serialize(state, Json) + "\n");
        });
    }

    /// <summary>Reads <c>trainer_state.json</c> of a checkpoint folder.</summary>
    /// <exception cref="InvalidDataException">The file is missing or malformed.</exception>
    public static TrainerState ReadState(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var path = Path.Combine(folder, StateFile);
        if (!Inputs.InputFile.IsPresent(path))
        {
            throw new InvalidDataException($"{path} does not exist: {folder} is not a training checkpoint.");
        }

        var text = Inputs.InputFile.ReadAllText(path, folder, Inputs.InputFile.MaxConfigBytes, (reason, inner) => new InvalidDataException($"{path} {reason}.", inner));
        try
        {
            using var document = JsonDocument.Parse(text, Inputs.JsonInput.Options);
            return document.Deserialize<TrainerState>(Json)
                ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is malformed: {e.Message}", e);
        }
    }

    /// <summary>Restores AdamW's moments and step count from a checkpoint folder.</summary>
    public static void ReadOptimizer(string folder, AdamW optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var path = Path.Combine(folder, OptimizerFile);
        using var reader = SafetensorsReader.Open(path, folder);
        var step = reader.Metadata.TryGetValue("step", out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"{path} has no step in its metadata.");
        optimizer.ImportState(name => reader.Contains(name) ? reader.Read(name, ScalarType.Float32) : null, step);
    }
}
