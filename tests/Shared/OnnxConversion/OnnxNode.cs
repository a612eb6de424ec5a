namespace PrecisionAnalyzers.Tests.Shared;

/// <summary>One node of an ONNX graph: its operator and the names of its inputs and outputs.</summary>
internal sealed record OnnxNode(string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);
