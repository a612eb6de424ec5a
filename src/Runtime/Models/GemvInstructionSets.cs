using System.Runtime.Intrinsics.X86;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>What this CPU supports.</summary>
internal static class GemvInstructionSets
{
    /// <summary>The widest set this process can run.</summary>
    public static GemvInstructionSet Best { get; } =
        Avx512F.IsSupported ? GemvInstructionSet.Avx512 :
        Avx2.IsSupported && Fma.IsSupported ? GemvInstructionSet.Avx2 :
        GemvInstructionSet.Scalar;

    /// <summary><paramref name="wanted"/>, or the widest supported set below it.</summary>
    public static GemvInstructionSet AtMost(GemvInstructionSet wanted) => wanted <= Best ? wanted : Best;
}
