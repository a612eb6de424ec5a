using System.IO.Compression;
using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Tests.Tokenization;

/// <summary>
/// A real tokenizer from tests/fixtures/tokenizers (copied beside the test assembly): some of a family's files laid out
/// as a checkpoint folder (gzip files decompressed), the corpus, and the reference's expected ids.
/// </summary>
internal static class TokenizerFixture
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "fixtures", "tokenizers");

    public static IReadOnlyList<string> Corpus { get; } =
        JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "corpus.json")))!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

    /// <summary>
    /// Copies <paramref name="files"/> of <paramref name="family"/> (plain, <c>.gz</c>, or <c>.br</c> for the largest, Gemma 3's
    /// 33 MB tokenizer.json, which Brotli keeps under 5 MB) into <paramref name="folder"/>.
    /// </summary>
    public static void Lay(string family, string folder, params string[] files)
    {
        foreach (var file in files)
        {
            var source = Path.Combine(Root, family, file);
            var target = Path.Combine(folder, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (File.Exists(source))
            {
                File.Copy(source, target, overwrite: true);
            }
            else
            {
                using Stream compressed = File.Exists(source + ".br")
                    ? new BrotliStream(File.OpenRead(source + ".br"), CompressionMode.Decompress)
                    : new GZipStream(File.OpenRead(source + ".gz"), CompressionMode.Decompress);
                using var output = File.Create(target);
                compressed.CopyTo(output);
            }
        }
    }

    /// <summary>The expected cases of <c>expected/<paramref name="name"/>.json</c>, with the errata for it applied.</summary>
    public static IReadOnlyList<ExpectedTokenization> Expected(string name, string? folder = null)
    {
        var cases = JsonNode.Parse(File.ReadAllText(Path.Combine(folder ?? Path.Combine(Root, "expected"), name + ".json")))!["cases"]!.AsArray()
            .Select(c => new ExpectedTokenization(Ids(c!["ids"]), Ids(c["plain_ids"]), c["decoded"]!.GetValue<string>()))
            .ToArray();
        if (folder is not null)
        {
            return cases; // errata are for the committed corpus
        }

        foreach (var erratum in JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "expected", "reference-errata.json")))!.AsArray())
        {
            if (erratum!["expected"]!.GetValue<string>() != name)
            {
                continue;
            }

            var index = erratum["index"]!.GetValue<int>();
            var c = cases[index];
            cases[index] = new ExpectedTokenization(
                erratum["ids"] is { } ids ? Ids(ids) : c.Ids,
                erratum["plain_ids"] is { } plain ? Ids(plain) : c.PlainIds,
                erratum["decoded"]?.GetValue<string>() ?? c.Decoded);
        }

        return cases;
    }

    private static int[] Ids(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
}
