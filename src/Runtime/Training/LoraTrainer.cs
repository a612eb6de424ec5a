using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PrecisionAnalyzers.Runtime.Adapters;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Planning;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Training;

/// <summary>
/// LoRA fine-tuning of a <see cref="CausalLM"/>: the base weights stay frozen in the model's dtype (BF16, FP16 or FP32) and
/// the forward and backward passes compute in it; the adapters are FP32 master weights with FP32 AdamW state. FP16 runs use
/// dynamic loss scaling. The model is in training mode throughout, so no generation cache is ever built, whatever
/// <c>use_cache</c> says. Checkpoints (PEFT adapter + optimizer + trainer state) are written atomically every
/// <see cref="TrainingOptions.SaveEvery"/> steps and at the end; cancelling leaves the last one intact.
/// </summary>
public sealed class LoraTrainer : IDisposable
{
    /// <summary>Steps in a row with a non-finite loss (a forward overflow) after which training gives up (PREC104).</summary>
    public const int MaxConsecutiveSkips = 8;

    private readonly CausalLM _model;
    private readonly ILogger _logger;
    private readonly LoraAdapterSet _adapters;
    private readonly AdamW _optimizer;
    private readonly DynamicLossScaler? _scaler;
    private readonly List<double> _losses = [];
    private readonly List<PrecisionWarning> _warnings = [];
    private int _skipped;

    /// <summary>
    /// Prepares a run: attaches new adapters (or, with <paramref name="resumeFrom"/>, the checkpoint's adapters, optimizer
    /// and trainer state, after checking that its LoRA shape and seed match <paramref name="options"/>).
    /// </summary>
    public LoraTrainer(CausalLM model, TrainingOptions options, ILogger? logger = null, string? resumeFrom = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _model = model;
        Options = options;
        _logger = logger ?? NullLogger.Instance;
        _adapters = model.Adapters ?? model.AddLora(options.Lora, options.Seed);
        _optimizer = new AdamW(_adapters.Parameters, weightDecay: options.WeightDecay);
        _scaler = model.Dtype == DType.Float16 ? new DynamicLossScaler(options.InitialLossScale, options.LossScaleGrowthInterval) : null;
        _warnings.AddRange(model.LoadWarnings);
        if (model.UseCache)
        {
            var message = "use_cache is on (config.json or the load options) and is ignored in training: no generation cache is built.";
            _warnings.Add(new PrecisionWarning(RuntimeCodes.CacheDisabledForTraining, message));
            _logger.LogWarning("{Code}: {Message}", RuntimeCodes.CacheDisabledForTraining, message);
        }

        if (resumeFrom is not null)
        {
            Resume(TrainingCheckpoint.Resolve(resumeFrom));
        }
    }

    public TrainingOptions Options { get; }

    /// <summary>Steps done (including those of the run resumed from).</summary>
    public int Step { get; private set; }

    /// <summary>The PREC1xx warnings of the run so far: loading's, and PREC105 when <c>use_cache</c> is on.</summary>
    public IReadOnlyList<PrecisionWarning> Warnings => _warnings;

    /// <summary>The adapters being trained.</summary>
    public LoraAdapterSet Adapters => _adapters;

    /// <summary>The checkpoint this trainer resumed from, if any.</summary>
    public string? ResumedFrom { get; private set; }

    /// <summary>
    /// Trains until <see cref="TrainingOptions.Steps"/> steps are done, writing checkpoints into <paramref name="outputFolder"/>
    /// (none when null). Throws <see cref="OperationCanceledException"/> on cancellation, between or inside steps; checkpoints
    /// already written stay whole.
    /// </summary>
    /// <exception cref="IOException">The output folder already holds a checkpoint this run would write.</exception>
    /// <exception cref="PrecisionException">PREC104: the loss was non-finite <see cref="MaxConsecutiveSkips"/> steps in a row, or gradients were non-finite without loss scaling (or with the scale at its minimum).</exception>
    public TrainingResult Train(TextDataset data, string? outputFolder = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.MaxTokenId >= _model.Config.VocabSize)
        {
            throw new DatasetException(data.Source, 0, $"token id {data.MaxTokenId} is past the model's vocabulary of {_model.Config.VocabSize}: data and model do not belong together");
        }

        CheckOutputFolder(outputFolder);
        if (outputFolder is not null)
        {
            foreach (var stale in TrainingCheckpoint.RemoveStaleTemporaries(outputFolder))
            {
                _logger.LogInformation("Removed {Folder}, the temporary folder of an interrupted save.", stale);
            }
        }

        var schedule = new LearningRateSchedule(Options.LearningRate, Options.WarmupSteps, Options.Steps, Options.Schedule);
        const long padId = 0; // any id: padding sits after every real token, so causal attention never lets a real position see it
        var vocab = _model.Config.VocabSize;
        var device = _model.Model.Device;
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        var consecutiveSkips = 0;
        string? lastCheckpoint = ResumedFrom;
        _logger.LogInformation(
            "LoRA training: {Parameters} trainable parameters (r={Rank}, {Targets}) over a {Dtype} base, {Steps} steps from step {Start}.",
            _adapters.ParameterCount, Options.Lora.Rank, string.Join(",", Options.Lora.TargetModules), DtypeRules.Name(_model.Dtype), Options.Steps, Step);

        _model.Train();
        try
        {
            while (Step < Options.Steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var rate = schedule.RateAt(Step);
                var scale = _scaler?.Scale ?? 1.0;
                _adapters.SeedDropout((Options.Seed * 1_000_003) + Step);
                _optimizer.ZeroGrad();
                double loss = 0;
                var lossFinite = true;
                for (var micro = 0; micro < Options.GradientAccumulation; micro++)
                {
                    using var scope = NewDisposeScope();
                    var (inputs, labels, count) = data.Batch(((long)Step * Options.GradientAccumulation) + micro, Options.BatchSize, Options.Seed, padId, device);
                    var logits = _model.Model.Forward(inputs, cancellationToken: cancellationToken);
                    var microLoss = F.cross_entropy(logits.to_type(ScalarType.Float32).view(-1, vocab), labels.view(-1), ignore_index: TextDataset.IgnoreIndex);
                    var value = microLoss.item<float>();
                    lossFinite &= float.IsFinite(value);
                    loss += value / Options.GradientAccumulation;
                    (microLoss * (scale / Options.GradientAccumulation)).backward();
                    tokens += count;
                }

                var norm = lossFinite ? GradientNorm() / scale : double.NaN;
                var finite = double.IsFinite(norm);
                var apply = _scaler?.Update(finite) ?? finite;
                if (apply)
                {
                    ScaleGradients(1.0 / scale * ClipFactor(norm));
                    _optimizer.Step(rate);
                    consecutiveSkips = 0;
                }
                else
                {
                    _skipped++;
                    consecutiveSkips = lossFinite ? 0 : consecutiveSkips + 1;
                    _logger.LogWarning("{Code}: step {Step} skipped: {What} not finite{Scale}.", RuntimeCodes.NonFiniteActivations, Step + 1, lossFinite ? "gradients" : "loss", _scaler is null ? "" : $"; loss scale now {_scaler.Scale}");
                    if (consecutiveSkips >= MaxConsecutiveSkips)
                    {
                        throw new PrecisionException(
                            RuntimeCodes.NonFiniteActivations,
                            $"training in {DtypeRules.Name(_model.Dtype)} produced a non-finite loss {consecutiveSkips} steps in a row (step {Step + 1}): " +
                            "the forward pass overflows, which loss scaling cannot fix; train in bfloat16 or float32.");
                    }

                    if (lossFinite && (_scaler is null || _scaler.Scale <= _scaler.MinimumScale))
                    {
                        throw new PrecisionException(
                            RuntimeCodes.NonFiniteActivations,
                            $"training in {DtypeRules.Name(_model.Dtype)} produced non-finite gradients at step {Step + 1}{(_scaler is null ? "" : " with the loss scale at its minimum")}; " +
                            "lower the learning rate or train in float32.");
                    }
                }

                _optimizer.ZeroGrad();
                _losses.Add(loss);
                Step++;
                string? saved = null;
                if (outputFolder is not null && ((Options.SaveEvery > 0 && Step % Options.SaveEvery == 0) || Step == Options.Steps))
                {
                    saved = Path.Combine(Path.GetFullPath(outputFolder), TrainingCheckpoint.FolderName(Step));
                    TrainingCheckpoint.Write(saved, _adapters, _optimizer, State(), cancellationToken);
                    lastCheckpoint = saved;
                    _logger.LogInformation("Saved checkpoint {Folder}.", saved);
                }

                progress?.Report(new TrainingProgress(Step, Options.Steps, loss, rate, tokens / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), _scaler?.Scale, _skipped, saved));
            }
        }
        finally
        {
            _model.Eval();
        }

        return new TrainingResult(
            _losses.Count > 0 ? _losses[0] : double.NaN,
            _losses.Count > 0 ? _losses[^1] : double.NaN,
            Step,
            _model.Dtype,
            lastCheckpoint,
            _warnings.ToArray(),
            _skipped,
            tokens / Math.Max(clock.Elapsed.TotalSeconds, 1e-9),
            _losses.ToArray());
    }

    /// <summary>Mean cross-entropy per predicted token over every example, in evaluation mode (no dropout, no gradients).</summary>
    public static double EvaluateLoss(CausalLM model, TextDataset data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var training = model.IsTraining;
        model.Eval();
        try
        {
            using var noGrad = no_grad();
            double total = 0;
            long count = 0;
            for (var i = 0; i < data.Examples.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var example = data.Examples[i];
                var inputs = tensor(example[..^1].Select(id => (long)id).ToArray(), [1, example.Length - 1], ScalarType.Int64, model.Model.Device);
                var labels = tensor(example[1..].Select(id => (long)id).ToArray(), [example.Length - 1], ScalarType.Int64, model.Model.Device);
                var logits = model.Model.Forward(inputs, cancellationToken: cancellationToken).to_type(ScalarType.Float32).view(-1, model.Config.VocabSize);
                total += F.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).item<float>();
                count += example.Length - 1;
            }

            return total / count;
        }
        finally
        {
            if (training)
            {
                model.Train();
            }
        }
    }

    public void Dispose() => _optimizer.Dispose();

    private TrainerState State() =>
        new(Step, Options, DtypeRules.Name(_model.Dtype), _scaler?.Scale ?? 1, _scaler?.CleanSteps ?? 0, _skipped, _losses.ToArray());

    private void Resume(string folder)
    {
        var state = TrainingCheckpoint.ReadState(folder);
        var saved = state.Options;
        if (saved.Lora.Rank != Options.Lora.Rank || saved.Lora.Alpha != Options.Lora.Alpha || saved.Lora.Dropout != Options.Lora.Dropout ||
            !saved.Lora.TargetModules.SequenceEqual(Options.Lora.TargetModules) || saved.Seed != Options.Seed)
        {
            throw new ArgumentException($"{folder} was trained with other LoRA settings or seed (r={saved.Lora.Rank}, alpha={saved.Lora.Alpha}, dropout={saved.Lora.Dropout}, " +
                                        $"targets {string.Join(",", saved.Lora.TargetModules)}, seed {saved.Seed}); resume with the options recorded in its {TrainingCheckpoint.StateFile}.");
        }

        if (state.Dtype != DtypeRules.Name(_model.Dtype))
        {
            _logger.LogWarning("Resuming a run trained over a {Saved} base with a {Dtype} base: the continuation will not match the uninterrupted run exactly.", state.Dtype, DtypeRules.Name(_model.Dtype));
        }

        _adapters.CopyValuesFrom(folder);
        TrainingCheckpoint.ReadOptimizer(folder, _optimizer);
        _scaler?.Restore(state.LossScale, state.CleanSteps, state.SkippedSteps);
        _skipped = state.SkippedSteps;
        _losses.AddRange(state.Losses);
        Step = state.Step;
        ResumedFrom = folder;
        _logger.LogInformation("Resumed from {Folder} at step {Step}.", folder, Step);
    }

    private void CheckOutputFolder(string? outputFolder)
    {
        if (outputFolder is null)
        {
            return;
        }

        var clash = TrainingCheckpoint.List(outputFolder).Where(entry => entry.Step > Step).Select(entry => entry.Folder).FirstOrDefault();
        if (clash is not null)
        {
            throw new IOException($"{outputFolder} already holds {Path.GetFileName(clash)}, which this run would overwrite; choose another --out folder{(Step == 0 ? " or resume from it" : "")}.");
        }
    }

    private double GradientNorm()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        double sum = 0;
        foreach (var parameter in _adapters.Parameters.Values)
        {
            if (parameter.grad is { } gradient)
            {
                sum += gradient.to_type(ScalarType.Float64).pow(2).sum().item<double>();
            }
        }

        return Math.Sqrt(sum);
    }

    private double ClipFactor(double norm) =>
        Options.MaxGradNorm > 0 && norm > Options.MaxGradNorm ? Options.MaxGradNorm / (norm + 1e-6) : 1.0;

    private void ScaleGradients(double factor)
    {
        if (factor == 1.0)
        {
            return;
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var parameter in _adapters.Parameters.Values)
        {
            parameter.grad?.mul_(factor);
        }
    }
}
