using System.Text.Json;

namespace PrecisionAnalyzers.Cli.Tests;

public sealed class EmbedCommandTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private async Task<string> EncoderAsync(string family = "bert")
    {
        var folder = Path.Combine(_root.Path, family);
        var (code, _, error) = await CliRunner.RunAsync("demo", "--out", folder, "--family", family);
        Assert.True(code == 0, error);
        return folder;
    }

    private static float[][] Embeddings(string output) =>
        JsonDocument.Parse(output).RootElement.GetProperty("embeddings").EnumerateArray().Select(e => e.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

    [Fact]
    public async Task Json_has_the_documented_fields_and_one_normalised_embedding_per_text_in_order()
    {
        var folder = await EncoderAsync();
        var lines = _root.Write("texts.txt", "third text\n\nfourth, from the file\n");

        var (code, output, error) = await CliRunner.RunAsync("embed", folder, "--text", "first", "--text", "a longer second text", "--file", lines, "--json");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        var dimension = root.GetProperty("dimension").GetInt32();
        var embeddings = Embeddings(output);
        Assert.Equal(4, embeddings.Length);
        Assert.All(embeddings, e => Assert.Equal(dimension, e.Length));
        Assert.All(embeddings, e => Assert.InRange(Math.Sqrt(e.Sum(v => (double)v * v)), 0.999, 1.001));
        Assert.Equal("cpu", root.GetProperty("device").GetString());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("warnings").ValueKind);

        var (_, alone, _) = await CliRunner.RunAsync("embed", folder, "--text", "a longer second text", "--dtype", root.GetProperty("dtype").GetString()!, "--json");
        var single = Embeddings(alone)[0];
        Assert.True(Cosine(single, embeddings[1]) > 0.999, "the second text's embedding depends on its batch or position");
    }

    [Fact]
    public async Task BF16_and_FP32_embeddings_agree()
    {
        var folder = await EncoderAsync("roberta");

        var (_, fp32, _) = await CliRunner.RunAsync("embed", folder, "--text", "precision", "--text", "matters here", "--dtype", "float32", "--json");
        var (_, bf16, _) = await CliRunner.RunAsync("embed", folder, "--text", "precision", "--text", "matters here", "--dtype", "bfloat16", "--json");

        Assert.Equal("float32", JsonDocument.Parse(fp32).RootElement.GetProperty("dtype").GetString());
        Assert.Equal("bfloat16", JsonDocument.Parse(bf16).RootElement.GetProperty("dtype").GetString());
        foreach (var (a, b) in Embeddings(fp32).Zip(Embeddings(bf16)))
        {
            Assert.True(Cosine(a, b) >= 0.99);
        }
    }

    [Fact]
    public async Task No_texts_a_missing_folder_or_a_decoder_folder_are_bad_input()
    {
        var encoder = await EncoderAsync();
        var decoder = Path.Combine(_root.Path, "llama");
        Assert.Equal(0, (await CliRunner.RunAsync("demo", "--out", decoder, "--family", "llama")).ExitCode);

        var none = await CliRunner.RunAsync("embed", encoder, "--json");
        var missing = await CliRunner.RunAsync("embed", Path.Combine(_root.Path, "nope"), "--text", "x", "--json");
        var wrong = await CliRunner.RunAsync("embed", decoder, "--text", "x", "--json");

        foreach (var (code, output, error) in new[] { none, missing, wrong })
        {
            Assert.Equal(2, code);
            Assert.Equal(string.Empty, output);
            Assert.NotEqual(string.Empty, error);
        }
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
