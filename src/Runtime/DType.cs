namespace PrecisionAnalyzers.Runtime;

/// <summary>The floating-point type a model's weights and activations use.</summary>
public enum DType
{
    /// <summary>Let the planner choose from the checkpoint's own dtype and the device. Hardware-dependent: see PREC001.</summary>
    Auto = 0,

    /// <summary>IEEE 754 single precision (4 bytes a parameter).</summary>
    Float32 = 1,

    /// <summary>IEEE 754 half precision (2 bytes; largest finite value 65504).</summary>
    Float16 = 2,

    /// <summary>Brain floating point (2 bytes; FP32's range with 8 bits of mantissa).</summary>
    BFloat16 = 3,
}
