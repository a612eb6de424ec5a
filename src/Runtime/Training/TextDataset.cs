using System.Text.Json;
using PrecisionAnalyzers.Runtime.Tokenization;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Training;

/// <summary>
/// Training text as token sequences: a file of lines (one example per non-blank line) or JSONL (one object per line with a
/// <c>text</c> string or an <c>input_ids</c> array). Each example is encoded with the checkpoint's tokenizer (BOS as the
/// tokenizer adds it, EOS appended) and cut to <c>maxLength + 1</c> tokens. Batches are a pure function of their index and
/// the seed (a seeded shuffle per epoch), so a resumed run sees exactly the batches an uninterrupted one would.
/// </summary>
public sealed class TextDataset
{
    /// <summary>The label value cross-entropy ignores (padding).</summary>
    public const long IgnoreIndex = -100;

    private readonly int[][] _examples;
    private readonly Dictionary<(long Epoch, long Seed), int[]> _permutations = [];

    private TextDataset(string source, int[][] examples, int skipped)
    {
        Source = source;
        _examples = examples;
        Skipped = skipped;
    }

    /// <summary>The file the examples came from.</summary>
    public string Source { get; }

    public IReadOnlyList<int[]> Examples => _examples;

    /// <summary>Examples left out because they had fewer than two tokens (nothing to predict).</summary>
    public int Skipped { get; }

    /// <summary>The largest token id in the data (it must be inside the model's vocabulary).</summary>
    public int MaxTokenId => _examples.Max(example => example.Max());

    /// <summary>Tokens over all examples.</summary>
    public long TokenCount => _examples.Sum(example => (long)example.Length);

    /// <summary>Reads and tokenizes <paramref name="path"/>.</summary>
    /// <exception cref="DatasetException">The file is missing, malformed (with its line number) or holds no usable example.</exception>
    public static TextDataset Load(string path, CheckpointTokenizer? tokenizer, int maxLength, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        if (!File.Exists(path))
        {
            throw new DatasetException(path, 0, "the file does not exist");
        }

        var lines = File.ReadAllLines(path);
        var jsonl = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || lines.FirstOrDefault(line => line.Trim().Length > 0)?.TrimStart().StartsWith('{') == true;
        var examples = new List<int[]>();
        for (var i = 0; i < lines.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var line = lines[i];
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var ids = jsonl ? FromJson(path, i + 1, line, tokenizer) : Encode(path, i + 1, line, tokenizer);
            examples.Add(ids);
        }

        return FromTokens(examples, maxLength, path);
    }

    /// <summary>A dataset of already tokenized examples (each cut to <paramref name="maxLength"/> + 1 tokens).</summary>
    public static TextDataset FromTokens(IEnumerable<int[]> examples, int maxLength, string source = "(memory)")
    {
        ArgumentNullException.ThrowIfNull(examples);
        var all = examples.ToArray();
        var usable = all.Where(example => example.Length >= 2).Select(example => example.Length > maxLength + 1 ? example[..(maxLength + 1)] : example).ToArray();
        if (usable.Length == 0)
        {
            throw new DatasetException(source, 0, all.Length == 0 ? "no examples (the file is empty)" : "no example has two or more tokens, so there is nothing to predict");
        }

        return new TextDataset(source, usable, all.Length - usable.Length);
    }

    /// <summary>The example indices of micro-batch <paramref name="index"/> (batches run through seeded per-epoch shuffles).</summary>
    public int[] BatchIndices(long index, int batchSize, long seed)
    {
        var result = new int[batchSize];
        for (var j = 0; j < batchSize; j++)
        {
            var sample = (index * batchSize) + j;
            var epoch = sample / _examples.Length;
            result[j] = Permutation(epoch, seed)[sample % _examples.Length];
        }

        return result;
    }

    /// <summary>
    /// Micro-batch <paramref name="index"/>: inputs [batch, L] (int64, padded right with <paramref name="padId"/>) and labels
    /// [batch, L] (the next token, <see cref="IgnoreIndex"/> on padding), and the number of predicted tokens.
    /// </summary>
    public (Tensor Inputs, Tensor Labels, long Tokens) Batch(long index, int batchSize, long seed, long padId, Device device)
    {
        var rows = BatchIndices(index, batchSize, seed).Select(i => _examples[i]).ToArray();
        var length = rows.Max(row => row.Length) - 1;
        var inputs = new long[batchSize * length];
        var labels = new long[batchSize * length];
        long tokens = 0;
        for (var r = 0; r < rows.Length; r++)
        {
            var row = rows[r];
            for (var t = 0; t < length; t++)
            {
                var real = t < row.Length - 1;
                inputs[(r * length) + t] = real ? row[t] : padId;
                labels[(r * length) + t] = real ? row[t + 1] : IgnoreIndex;
                tokens += real ? 1 : 0;
            }
        }

        return (tensor(inputs, [batchSize, length], ScalarType.Int64, device), tensor(labels, [batchSize, length], ScalarType.Int64, device), tokens);
    }

    private int[] Permutation(long epoch, long seed)
    {
        lock (_permutations)
        {
            if (!_permutations.TryGetValue((epoch, seed), out var permutation))
            {
                permutation = Enumerable.Range(0, _examples.Length).ToArray();
                var random = new Random(unchecked((int)((seed * 1_000_003) ^ (epoch * 7919))));
                for (var i = permutation.Length - 1; i > 0; i--)
                {
                    var j = random.Next(i + 1);
                    (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
                }

                if (_permutations.Count > 4)
                {
                    _permutations.Clear();
                }

                _permutations[(epoch, seed)] = permutation;
            }

            return permutation;
        }
    }

    private static int[] Encode(string path, int line, string text, CheckpointTokenizer? tokenizer)
    {
        if (tokenizer is null)
        {
            throw new DatasetException(path, line, "text needs a tokenizer, and the checkpoint has none (tokenizer.json or tokenizer.model); give JSONL with \"input_ids\" instead");
        }

        var ids = tokenizer.Encode(text);
        return tokenizer.SpecialTokens.EosId is { } eos ? [.. ids, eos] : ids;
    }

    private static int[] FromJson(string path, int line, string text, CheckpointTokenizer? tokenizer)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(text);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new DatasetException(path, line, "malformed JSON: " + e.Message);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new DatasetException(path, line, "each JSONL line must be an object with \"text\" or \"input_ids\"");
        }

        if (root.TryGetProperty("input_ids", out var ids))
        {
            if (ids.ValueKind != JsonValueKind.Array || ids.EnumerateArray().Any(id => id.ValueKind != JsonValueKind.Number || !id.TryGetInt32(out var value) || value < 0))
            {
                throw new DatasetException(path, line, "\"input_ids\" must be an array of non-negative integers");
            }

            return ids.EnumerateArray().Select(id => id.GetInt32()).ToArray();
        }

        if (root.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String)
        {
            return Encode(path, line, value.GetString()!, tokenizer);
        }

        throw new DatasetException(path, line, "the object has neither a \"text\" string nor an \"input_ids\" array");
    }
}

/// <summary>Training data that cannot be used, with the file and line.</summary>
public sealed class DatasetException : Exception
{
    public DatasetException(string filePath, int line, string problem)
        : base(line > 0 ? $"{filePath}:{line}: {problem}" : $"{filePath}: {problem}")
    {
        FilePath = filePath;
        Line = line;
        Problem = problem;
    }

    public string FilePath { get; }

    /// <summary>1-based line, or 0 for the file as a whole.</summary>
    public int Line { get; }

    public string Problem { get; }
}
