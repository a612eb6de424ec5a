using System.Text;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Models;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Checkpoints;

/// <summary>A tensor whose dtype label says integer is never converted into a floating-point weight, and bad header strings are typed errors.</summary>
public sealed class RelabelledTensorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("precision-relabel-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void An_I16_tensor_read_as_a_float_weight_is_refused_naming_file_tensor_and_dtype()
    {
        var path = RawSafetensors.Write(_folder, """{"model.norm.weight":{"dtype":"I16","shape":[4],"data_offsets":[0,8]}}""", 8);
        using var reader = SafetensorsReader.Open(path);

        var error = Assert.Throws<SafetensorsFormatException>(() => reader.Read("model.norm.weight", ScalarType.Float32).Dispose());
        using var destination = zeros(4, dtype: ScalarType.BFloat16);
        var into = Assert.Throws<SafetensorsFormatException>(() => reader.ReadInto("model.norm.weight", destination));

        Assert.Equal(SafetensorsRule.UnsupportedDtype, error.Rule);
        Assert.Equal(path, error.FilePath);
        Assert.Equal("model.norm.weight", error.TensorName);
        Assert.Contains("stored as I16", error.Message, StringComparison.Ordinal);
        Assert.Equal(SafetensorsRule.UnsupportedDtype, into.Rule);
        using var stored = reader.Read("model.norm.weight");
        Assert.Equal(ScalarType.Int16, stored.dtype); // read as what it is, it is fine
    }

    [Fact]
    public void A_tiny_model_whose_weight_is_relabelled_I16_does_not_load()
    {
        var folder = Path.Combine(_folder, "tiny");
        TinyCheckpointWriter.Write(folder, "llama", new TinyModelOptions { Dtype = DType.BFloat16 });
        var file = Path.Combine(folder, Checkpoint.SingleFile);
        var bytes = File.ReadAllBytes(file);
        var headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        var header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        // model.norm.weight is BF16: relabelled I16, shape and byte length still agree, so only the dtype gives it away.
        var start = header.IndexOf("\"model.norm.weight\"", StringComparison.Ordinal);
        var entryEnd = header.IndexOf('}', start);
        var entry = header[start..entryEnd];
        var relabelled = entry.Replace("\"BF16\"", "\"I16\"", StringComparison.Ordinal);
        Assert.NotEqual(entry, relabelled);
        var newHeader = Encoding.UTF8.GetBytes(header.Replace(entry, relabelled, StringComparison.Ordinal).PadRight(headerLength));
        Assert.Equal(headerLength, newHeader.Length);
        newHeader.CopyTo(bytes, 8);
        File.WriteAllBytes(file, bytes);

        var error = Assert.Throws<SafetensorsFormatException>(() => CausalLM.Load(folder, new LoadOptions { Dtype = DType.Float32 }).Dispose());

        Assert.Equal(SafetensorsRule.UnsupportedDtype, error.Rule);
        Assert.Equal("model.norm.weight", error.TensorName);
        Assert.Contains("stored as I16", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name")]
    [InlineData("dtype")]
    public void Invalid_UTF8_in_a_header_string_is_a_format_error(string where)
    {
        var json = Encoding.UTF8.GetBytes("""{"wX":{"dtype":"F3X","shape":[1],"data_offsets":[0,4]}}""".Replace("F3X", where == "dtype" ? "F3X" : "F32", StringComparison.Ordinal));
        var index = Array.IndexOf(json, (byte)'X');
        json[where == "name" ? index : Array.LastIndexOf(json, (byte)'X')] = 0xC3; // a lead byte with no continuation

        var path = RawSafetensors.WriteBytes(_folder, json, new byte[4]);
        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsReader.Open(path).Dispose());

        Assert.Equal(SafetensorsRule.HeaderJson, error.Rule);
        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }
}
