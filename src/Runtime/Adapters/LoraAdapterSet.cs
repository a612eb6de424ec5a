using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Adapters;

/// <summary>
/// The LoRA adapters of one model, one per targeted projection, with their shared options and dropout state. Created fresh
/// (<see cref="Create"/>: A from a seeded uniform, B zero, so the model starts exactly as the base) or read from a PEFT folder
/// (<see cref="Load"/>); attached to a <see cref="DecoderModel"/>'s projections by module name.
/// </summary>
public sealed class LoraAdapterSet : IDisposable
{
    private readonly List<LoraAdapter> _adapters = [];
    private Generator? _dropoutGenerator;
    private bool _disposed;

    private LoraAdapterSet(LoraOptions options, string? baseModel)
    {
        Options = options;
        BaseModel = baseModel;
    }

    public LoraOptions Options { get; }

    /// <summary>The base checkpoint the adapters were trained on (PEFT's <c>base_model_name_or_path</c>), when known.</summary>
    public string? BaseModel { get; }

    /// <summary>The adapters in the order of the model's projections.</summary>
    public IReadOnlyList<LoraAdapter> Adapters => _adapters;

    /// <summary>In training mode dropout applies to the adapters' input; in evaluation it does not.</summary>
    public bool IsTraining { get; set; }

    /// <summary>Trainable parameter count (Σ r·(in + out)).</summary>
    public long ParameterCount => _adapters.Sum(adapter => adapter.A.numel() + adapter.B.numel());

    /// <summary>The trainable tensors by PEFT name (A and B of every adapter), FP32.</summary>
    public IReadOnlyDictionary<string, Tensor> Parameters =>
        _adapters.SelectMany(adapter => new[] { (adapter.PeftNameA, adapter.A), (adapter.PeftNameB, adapter.B) })
            .ToDictionary(pair => pair.Item1, pair => pair.Item2, StringComparer.Ordinal);

    /// <summary>
    /// New adapters for every projection of <paramref name="model"/> that <paramref name="options"/> targets, attached to it.
    /// A is drawn uniformly from ±1/√in (PEFT's Kaiming-uniform default) with <paramref name="seed"/>; B is zero.
    /// </summary>
    public static LoraAdapterSet Create(DecoderModel model, LoraOptions options, long seed = 0, string? baseModel = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var generator = new Generator((ulong)seed);
        return Build(model, options, baseModel, projection =>
        {
            using var scope = NewDisposeScope();
            var bound = 1.0 / Math.Sqrt(projection.InFeatures);
            var a = (rand([options.Rank, projection.InFeatures], ScalarType.Float32, generator: generator) * (2 * bound) - bound).to(model.Device);
            var b = zeros([projection.OutFeatures, options.Rank], ScalarType.Float32, device: model.Device);
            return (a.MoveToOuterDisposeScope(), b.MoveToOuterDisposeScope());
        });
    }

    /// <summary>
    /// Reads the PEFT adapter in <paramref name="folder"/> and attaches it to <paramref name="model"/>: every tensor is checked
    /// against the model's projections (names and shapes) before any is used.
    /// </summary>
    /// <exception cref="AdapterFormatException">The folder is not an adapter for this model.</exception>
    public static LoraAdapterSet Load(string folder, DecoderModel model)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(model);
        var options = PeftAdapterFormat.ReadConfig(folder, out var baseModel);
        var weightsPath = Path.Combine(folder, PeftAdapterFormat.WeightsFile);
        if (!Inputs.InputFile.IsPresent(weightsPath))
        {
            throw new AdapterFormatException(weightsPath, $"no {PeftAdapterFormat.WeightsFile} beside {PeftAdapterFormat.ConfigFile}");
        }

        using var reader = SafetensorsReader.Open(weightsPath, folder);
        var targeted = Targeted(model, options).ToArray();
        var problems = new List<string>();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var projection in targeted)
        {
            Expect(PeftAdapterFormat.TensorName(projection.ModuleName, "lora_A"), [options.Rank, projection.InFeatures]);
            Expect(PeftAdapterFormat.TensorName(projection.ModuleName, "lora_B"), [projection.OutFeatures, options.Rank]);
        }

        problems.AddRange(reader.Tensors.Where(info => !expected.Contains(info.Name)).Select(info => $"unexpected tensor {info.Name}"));
        if (problems.Count > 0)
        {
            throw new AdapterFormatException(weightsPath, $"does not fit this {model.Config.ModelType} model: {string.Join("; ", problems.Take(8))}{(problems.Count > 8 ? $"; and {problems.Count - 8} more" : "")}");
        }

        return Build(model, options, baseModel, projection => (
            reader.Read(PeftAdapterFormat.TensorName(projection.ModuleName, "lora_A"), ScalarType.Float32, model.Device),
            reader.Read(PeftAdapterFormat.TensorName(projection.ModuleName, "lora_B"), ScalarType.Float32, model.Device)));

        void Expect(string name, long[] shape)
        {
            expected.Add(name);
            if (!reader.Contains(name))
            {
                problems.Add($"missing tensor {name}");
            }
            else if (!reader.Info(name).Shape.SequenceEqual(shape))
            {
                problems.Add($"{name} has shape [{string.Join(", ", reader.Info(name).Shape)}], expected [{string.Join(", ", shape)}]");
            }
        }
    }

    // One adapter per targeted projection from (A, B) that make() gives, attached to the model; all or nothing.
    private static LoraAdapterSet Build(DecoderModel model, LoraOptions options, string? baseModel, Func<Projection, (Tensor A, Tensor B)> make)
    {
        var set = new LoraAdapterSet(options, baseModel);
        try
        {
            using var noGrad = no_grad();
            foreach (var projection in Targeted(model, options))
            {
                var (a, b) = make(projection);
                set._adapters.Add(new LoraAdapter(set, projection.ModuleName, a.requires_grad_(), b.requires_grad_()));
            }

            set.AttachTo(model);
            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Overwrites these adapters' values with those of the PEFT adapter in <paramref name="folder"/> (a checkpoint of the same
    /// run): every tensor is checked by name and shape before any value changes.
    /// </summary>
    /// <exception cref="AdapterFormatException">The folder's adapter has another shape.</exception>
    public void CopyValuesFrom(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var weightsPath = Path.Combine(folder, PeftAdapterFormat.WeightsFile);
        if (!Inputs.InputFile.IsPresent(weightsPath))
        {
            throw new AdapterFormatException(weightsPath, $"no {PeftAdapterFormat.WeightsFile} in the checkpoint");
        }

        using var reader = SafetensorsReader.Open(weightsPath, folder);
        var parameters = Parameters;
        var problems = parameters
            .Where(pair => !reader.Contains(pair.Key) || !reader.Info(pair.Key).Shape.SequenceEqual(pair.Value.shape))
            .Select(pair => reader.Contains(pair.Key) ? $"{pair.Key} has another shape" : $"missing tensor {pair.Key}")
            .ToArray();
        if (problems.Length > 0)
        {
            throw new AdapterFormatException(weightsPath, "does not match these adapters: " + string.Join("; ", problems.Take(8)));
        }

        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            using var saved = reader.Read(name, ScalarType.Float32, parameter.device);
            parameter.copy_(saved);
        }
    }

    /// <summary>Attaches every adapter to the projection of <paramref name="model"/> with its module name (replacing any other).</summary>
    public void AttachTo(DecoderModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var byName = model.Projections.ToDictionary(projection => projection.ModuleName, StringComparer.Ordinal);
        var missing = _adapters.Where(adapter => !byName.ContainsKey(adapter.ModuleName)).Select(adapter => adapter.ModuleName).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidOperationException($"the model has no projection named {string.Join(", ", missing.Take(4))}.");
        }

        foreach (var adapter in _adapters)
        {
            byName[adapter.ModuleName].Adapter = adapter;
        }
    }

    /// <summary>Removes these adapters from <paramref name="model"/>'s projections.</summary>
    public void DetachFrom(DecoderModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var projection in model.Projections.Where(projection => projection.Adapter is not null && _adapters.Contains(projection.Adapter)))
        {
            projection.Adapter = null;
        }
    }

    /// <summary>Seeds the dropout masks (one generator for the set, re-seeded by the trainer at every step for exact resumes).</summary>
    public void SeedDropout(long seed)
    {
        _dropoutGenerator?.Dispose();
        _dropoutGenerator = new Generator((ulong)seed);
    }

    /// <summary>Writes <c>adapter_config.json</c> and <c>adapter_model.safetensors</c> (FP32) into <paramref name="folder"/>.</summary>
    public void Save(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Directory.CreateDirectory(folder);
        using (no_grad())
        {
            SafetensorsWriter.Write(
                Path.Combine(folder, PeftAdapterFormat.WeightsFile),
                Parameters.ToDictionary(pair => pair.Key, pair => pair.Value.detach()),
                new Dictionary<string, string> { ["format"] = "pt" },
                cancellationToken);
        }

        AtomicFile.Write(Path.Combine(folder, PeftAdapterFormat.ConfigFile), stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(PeftAdapterFormat.ConfigJson(Options, BaseModel));
        });
    }

    internal Tensor ApplyDropout(Tensor x)
    {
        var p = Options.Dropout;
        if (!IsTraining || p <= 0)
        {
            return x;
        }

        using var scope = NewDisposeScope();
        var keep = rand(x.shape, ScalarType.Float32, generator: _dropoutGenerator).ge(p).to(x.device).to_type(x.dtype);
        return (x * keep * (1.0 / (1.0 - p))).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var adapter in _adapters)
        {
            adapter.Dispose();
        }

        _dropoutGenerator?.Dispose();
    }

    private static IEnumerable<Projection> Targeted(DecoderModel model, LoraOptions options) =>
        model.Projections.Where(projection => options.TargetModules.Contains(projection.ShortName));
}
