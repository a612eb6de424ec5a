using PrecisionAnalyzers.Runtime.Diagnostics;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>What happens when the overflow guard finds non-finite activations.</summary>
public enum OverflowPolicy
{
    /// <summary>Re-run the whole request in BF16 (FP32 where BF16 is unsupported, or when BF16 itself overflowed) and warn with PREC104.</summary>
    FallbackToSaferDtype,

    /// <summary>Throw <see cref="NonFiniteActivationsException"/> (code PREC104).</summary>
    Throw,
}

/// <summary>Settings of the overflow guard.</summary>
public sealed record OverflowGuardOptions
{
    /// <summary>Check the hidden states after every decoder layer (one reduction a layer). Off means non-finite values flow to the logits.</summary>
    public bool Enabled { get; init; } = true;

    public OverflowPolicy Policy { get; init; } = OverflowPolicy.FallbackToSaferDtype;

    /// <summary>Whether the device runs BF16 (the planner's probe decides); when false the fallback goes to FP32.</summary>
    public bool BFloat16Supported { get; init; } = true;

    /// <summary>The dtype to re-run in after an overflow in <paramref name="dtype"/>, or null when there is none safer.</summary>
    public DType? SaferThan(DType dtype) => dtype switch
    {
        DType.Float16 => BFloat16Supported ? DType.BFloat16 : DType.Float32,
        DType.BFloat16 => DType.Float32,
        _ => null,
    };
}

/// <summary>Checks activations for NaN/±∞ cheaply: one reduction per check; the position is located only after a failure.</summary>
public sealed class OverflowGuard
{
    public OverflowGuard(DType dtype)
    {
        Dtype = dtype;
    }

    /// <summary>The dtype the checked model runs in (named in the exception).</summary>
    public DType Dtype { get; }

    /// <summary>How many checks ran.</summary>
    public long Checks { get; private set; }

    /// <summary>Throws <see cref="NonFiniteActivationsException"/> when <paramref name="hidden"/> [batch, seq, …] holds a non-finite value.</summary>
    /// <param name="hidden">The activations.</param>
    /// <param name="layer">The decoder layer that produced them; the layer count for the final norm and head.</param>
    /// <param name="firstPosition">The absolute position of <c>hidden[:, 0]</c>.</param>
    /// <param name="site">What produced them, for the message.</param>
    public void Check(Tensor hidden, int layer, long firstPosition, string site)
    {
        Checks++;
        if (DecodeOps.AllFinite(hidden) == true)
        {
            return;
        }

        using var scope = NewDisposeScope();
        if (hidden.isfinite().all().item<bool>())
        {
            return;
        }

        var badRows = hidden.isfinite().logical_not().flatten(2).any(-1).nonzero();
        var batchIndex = badRows[0, 0].item<long>();
        var position = firstPosition + badRows[0, 1].item<long>();
        throw new NonFiniteActivationsException(layer, position, batchIndex, Dtype, site);
    }
}

/// <summary>Non-finite activations (PREC104): the first layer and position where they appeared.</summary>
public sealed class NonFiniteActivationsException : PrecisionException
{
    public NonFiniteActivationsException(int layer, long position, long batchIndex, DType dtype, string site)
        : base(RuntimeCodes.NonFiniteActivations,
            $"non-finite activations in {Planning.DtypeRules.Name(dtype)} after {site} at position {position}" + (batchIndex > 0 ? $" (batch row {batchIndex})" : "") +
            (dtype == DType.Float16 ? "; values passed FP16's largest finite value (65504). Run in BF16 or FP32." : "."))
    {
        Layer = layer;
        BatchRow = batchIndex;
        Position = position;
        Dtype = dtype;
        Site = site;
    }

    /// <summary>The decoder layer (0-based) after which the values were non-finite; the layer count for the final norm/head.</summary>
    public int Layer { get; }

    /// <summary>The batch row (sequence) where the values were first non-finite.</summary>
    public long BatchRow { get; }

    /// <summary>The first absolute token position with a non-finite value.</summary>
    public long Position { get; }

    public DType Dtype { get; }

    /// <summary>E.g. <c>decoder layer 3</c> or <c>the final norm and LM head</c>.</summary>
    public string Site { get; }
}
