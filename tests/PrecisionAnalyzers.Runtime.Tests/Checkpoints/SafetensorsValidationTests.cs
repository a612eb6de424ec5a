using System.Text;
using PrecisionAnalyzers.Runtime.Checkpoints;

namespace PrecisionAnalyzers.Runtime.Tests.Checkpoints;

public sealed class SafetensorsValidationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("precision-st-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private SafetensorsFormatException Refused(string path)
    {
        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsReader.Open(path).Dispose());
        Assert.Equal(path, error.FilePath);
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        return error;
    }

    [Fact]
    public void A_file_shorter_than_the_length_prefix_is_refused()
    {
        var path = Path.Combine(_folder, "tiny.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);

        Assert.Equal(SafetensorsRule.FileTooSmall, Refused(path).Rule);
    }

    [Fact]
    public void A_header_length_past_the_limit_is_refused_without_allocating_it()
    {
        var path = RawSafetensors.Write(_folder, "{}", 0, lengthOverride: 100_000_001);

        var error = Refused(path);
        Assert.Equal(SafetensorsRule.HeaderLength, error.Rule);
        Assert.Contains("limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_length_past_the_end_of_the_file_is_refused()
    {
        var path = RawSafetensors.Write(_folder, "{}", 0, lengthOverride: 4096);

        Assert.Equal(SafetensorsRule.HeaderLength, Refused(path).Rule);
    }

    [Theory]
    [InlineData(" {}")]
    [InlineData("{\"a\": ")]
    [InlineData("[1, 2]")]
    public void A_header_that_is_not_a_JSON_object_is_refused(string header)
    {
        Assert.Equal(SafetensorsRule.HeaderJson, Refused(RawSafetensors.Write(_folder, header, 0)).Rule);
    }

    [Fact]
    public void A_header_that_is_not_UTF8_is_refused()
    {
        var json = Encoding.UTF8.GetBytes("{\"__metadata__\":{\"k\":\"v\"}}");
        json[20] = 0xFF;

        Assert.Equal(SafetensorsRule.HeaderJson, Refused(RawSafetensors.WriteBytes(_folder, json, [])).Rule);
    }

    [Fact]
    public void Trailing_space_padding_is_accepted()
    {
        var path = RawSafetensors.Write(_folder, """{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}     """, 2);

        using var reader = SafetensorsReader.Open(path);
        Assert.Equal("a", Assert.Single(reader.Tensors).Name);
    }

    [Fact]
    public void A_duplicate_name_is_refused()
    {
        var path = RawSafetensors.Write(_folder, """{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", 2);

        var error = Refused(path);
        Assert.Equal(SafetensorsRule.DuplicateName, error.Rule);
        Assert.Equal("w", error.TensorName);
    }

    [Fact]
    public void Metadata_must_map_strings_to_strings()
    {
        var path = RawSafetensors.Write(_folder, """{"__metadata__":{"format":"pt","layers":12}}""", 0);

        var error = Refused(path);
        Assert.Equal(SafetensorsRule.Metadata, error.Rule);
        Assert.Contains("layers", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","data_offsets":[0,4]}}""", "needs dtype")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}""", "exactly 2")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", "exactly 2")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"offset":0}}""", "unexpected")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "negative")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", "whole numbers")]
    [InlineData("""{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}""", "unexpected")]
    [InlineData("""{"w":[1,2]}""", "must be an object")]
    public void Entries_must_have_the_schema(string header, string fragment)
    {
        var error = Refused(RawSafetensors.Write(_folder, header, 4));

        Assert.Equal(SafetensorsRule.EntrySchema, error.Rule);
        Assert.Equal("w", error.TensorName);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("F8_E4M3", "part of the format")]
    [InlineData("F8_E5M2", "part of the format")]
    [InlineData("U32", "part of the format")]
    [InlineData("Q4_K", "not a safetensors dtype")]
    public void Unsupported_dtypes_are_refused_by_name(string dtype, string fragment)
    {
        var error = Refused(RawSafetensors.Write(_folder, "{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4));

        Assert.Equal(SafetensorsRule.UnsupportedDtype, error.Rule);
        Assert.Contains(dtype, error.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}""", 4)]
    [InlineData("""{"w":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}""", 4)]
    [InlineData("""{"w":{"dtype":"U8","shape":[4],"data_offsets":[-4,0]}}""", 4)]
    public void Offsets_outside_the_data_area_are_refused(string header, int data)
    {
        var error = Refused(RawSafetensors.Write(_folder, header, data));

        Assert.Equal(SafetensorsRule.OffsetsOutOfRange, error.Rule);
        Assert.Equal("w", error.TensorName);
    }

    [Fact]
    public void A_hole_between_tensors_is_refused()
    {
        var path = RawSafetensors.Write(_folder, """{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}}""", 5);

        var error = Refused(path);
        Assert.Equal(SafetensorsRule.NotContiguous, error.Rule);
        Assert.Equal("b", error.TensorName);
        Assert.Contains("hole", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlapping_tensors_are_refused()
    {
        var path = RawSafetensors.Write(_folder, """{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}""", 4);

        var error = Refused(path);
        Assert.Equal(SafetensorsRule.NotContiguous, error.Rule);
        Assert.Contains("overlapping", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shape_times_element_size_must_equal_the_byte_length()
    {
        var error = Refused(RawSafetensors.Write(_folder, """{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}""", 20));

        Assert.Equal(SafetensorsRule.SizeMismatch, error.Rule);
        Assert.Contains("needs 24 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_whose_product_overflows_is_refused_not_wrapped_to_zero()
    {
        // 2^32 × 2^32 wraps to 0 in 64-bit arithmetic: the bug that let other parsers skip their bounds checks.
        var error = Refused(RawSafetensors.Write(_folder, """{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}""", 0));

        Assert.Equal(SafetensorsRule.SizeMismatch, error.Rule);
        Assert.Contains("overflows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_after_the_last_tensor_are_refused()
    {
        var error = Refused(RawSafetensors.Write(_folder, """{"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}""", 6));

        Assert.Equal(SafetensorsRule.TrailingBytes, error.Rule);
    }

    [Fact]
    public void Scalars_and_empty_tensors_are_valid()
    {
        var path = RawSafetensors.Write(_folder, """{"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]}}""", 4);

        using var reader = SafetensorsReader.Open(path);
        using var scalar = reader.Read("s");
        using var empty = reader.Read("e");
        Assert.Empty(scalar.shape);
        Assert.Equal(new long[] { 0, 3 }, empty.shape);
    }
}
