using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// The <c>config.json</c> files given to the compiler as AdditionalFiles, by folder. A load path finds the config of the folder
/// it names (or, when it names a file such as <c>model.bin</c>, of the folder it is in):
/// <list type="bullet">
/// <item>a rooted path must equal the config's folder (separators normalised, <c>.</c> and <c>..</c> resolved, case ignored);</item>
/// <item>a relative path is first resolved against the project directory (<c>build_property.ProjectDir</c>, which the .NET SDK
/// makes visible to analyzers: <c>CompilerVisibleProperty Include="ProjectDir"</c> in Microsoft.NET.Sdk.Analyzers.targets) and compared in
/// full; failing that, the config whose folder ends with the path's segments is taken, when exactly one does (the program
/// may run from its output folder, so the path need not be relative to the project).</item>
/// </list>
/// Each file is read and parsed at most once per compilation, the first time a load asks for it.
/// </summary>
internal sealed class ModelConfigs
{
    public const string FileName = "config.json";
    public const string ProjectDirProperty = "build_property.projectdir";

    private readonly ImmutableArray<Entry> _entries;
    private readonly string[]? _projectDir;

    private ModelConfigs(ImmutableArray<Entry> entries, string[]? projectDir)
    {
        _entries = entries;
        _projectDir = projectDir;
    }

    public static ModelConfigs Create(AnalyzerOptions options)
    {
        var entries = options.AdditionalFiles
            .Where(f => string.Equals(System.IO.Path.GetFileName(f.Path), FileName, StringComparison.OrdinalIgnoreCase))
            .Select(f => Segments(f.Path) is { Length: > 1 } segments && IsRooted(f.Path)
                ? new Entry(segments.Take(segments.Length - 1).ToArray(), f)
                : null)
            .Where(e => e is not null)
            .Select(e => e!)
            .ToImmutableArray();
        string[]? projectDir = null;
        if (!entries.IsEmpty && options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(ProjectDirProperty, out var dir) && IsRooted(dir))
        {
            projectDir = Segments(dir);
        }

        return new ModelConfigs(entries, projectDir);
    }

    /// <summary>The facts of the config that <paramref name="path"/> names, or null when none is given or it is unreadable.</summary>
    public ModelConfigFacts? Find(string path)
    {
        if (_entries.IsEmpty || path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0)
        {
            return null;
        }

        var segments = Segments(path);
        var folders = new List<string[]> { segments };
        if (segments.Length > 1 && LooksLikeFile(segments[segments.Length - 1]))
        {
            folders.Add(segments.Take(segments.Length - 1).ToArray());
        }

        foreach (var folder in folders)
        {
            if (Match(folder, IsRooted(path)) is { } entry)
            {
                return entry.Facts;
            }
        }

        return null;
    }

    private Entry? Match(string[] folder, bool rooted)
    {
        if (rooted)
        {
            return _entries.FirstOrDefault(e => SameSegments(e.Folder, folder));
        }

        var relative = folder.SkipWhile(s => s == "..").ToArray();
        if (_projectDir is not null && Segments(string.Join("/", _projectDir.Concat(folder))) is var full
            && _entries.FirstOrDefault(e => SameSegments(e.Folder, full)) is { } exact)
        {
            return exact;
        }

        if (relative.Length == 0)
        {
            return null;
        }

        var trailing = _entries.Where(e => e.Folder.Length >= relative.Length && SameSegments(e.Folder.Skip(e.Folder.Length - relative.Length).ToArray(), relative)).Take(2).ToArray();
        return trailing.Length == 1 ? trailing[0] : null;
    }

    private static bool SameSegments(string[] a, string[] b) =>
        a.Length == b.Length && a.Zip(b, (x, y) => string.Equals(x, y, StringComparison.OrdinalIgnoreCase)).All(same => same);

    /// <summary>A last segment with a letters-only extension (<c>model.bin</c>, <c>w.safetensors</c>), unlike <c>Qwen2-1.5B</c>.</summary>
    internal static bool LooksLikeFile(string segment)
    {
        var dot = segment.LastIndexOf('.');
        return dot > 0 && dot < segment.Length - 1 && segment.Length - dot - 1 <= 12 && segment.Substring(dot + 1).All(char.IsLetter);
    }

    private static bool IsRooted(string path) =>
        path.StartsWith("/", StringComparison.Ordinal) || path.StartsWith("\\", StringComparison.Ordinal) || (path.Length >= 2 && path[1] == ':' && char.IsLetter(path[0]));

    /// <summary>The path's folders, <c>.</c> dropped and <c>..</c> applied (kept in front of a relative path).</summary>
    private static string[] Segments(string path)
    {
        var segments = new List<string>();
        foreach (var segment in path.Replace('\\', '/').Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == ".." && segments.Count > 0 && segments[segments.Count - 1] != "..")
            {
                segments.RemoveAt(segments.Count - 1);
                continue;
            }

            segments.Add(segment);
        }

        return segments.ToArray();
    }

    private sealed class Entry
    {
        private readonly Lazy<ModelConfigFacts?> _facts;

        public Entry(string[] folder, AdditionalText file)
        {
            Folder = folder;
            _facts = new Lazy<ModelConfigFacts?>(() => Read(file), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        public string[] Folder { get; }

        public ModelConfigFacts? Facts => _facts.Value;

        private static ModelConfigFacts? Read(AdditionalText file)
        {
            try
            {
                return file.GetText(CancellationToken.None) is { } text && ConfigJson.ParseObject(text.ToString()) is { } root
                    ? ModelConfigFacts.From(root)
                    : null;
            }
#pragma warning disable CA1031 // a config that cannot be read means "unknown", never a crash of the analyzer
            catch (Exception)
#pragma warning restore CA1031
            {
                return null;
            }
        }
    }
}

/// <summary>
/// What a <c>config.json</c> says about a model: its <c>model_type</c> (and <c>text_config.model_type</c> for multimodal
/// checkpoints such as gemma3), and its parameter count estimated from the sizes.
/// </summary>
internal sealed class ModelConfigFacts
{
    private ModelConfigFacts(string[] modelTypes, double? parameters, string? torchDtype)
    {
        ModelTypes = modelTypes;
        Parameters = parameters;
        TorchDtype = torchDtype;
    }

    /// <summary>The dtype the checkpoint says its weights are in (<c>torch_dtype</c>, or <c>dtype</c> in newer configs: "bfloat16"), or null.</summary>
    public string? TorchDtype { get; }

    /// <summary>The config's model types: the top level's, then the text model's.</summary>
    public string[] ModelTypes { get; }

    /// <summary>The estimated parameter count, or null when the config lacks hidden_size or num_hidden_layers.</summary>
    public double? Parameters { get; }

    public static ModelConfigFacts From(Dictionary<string, object?> root)
    {
        var text = root.TryGetValue("text_config", out var nested) ? nested as Dictionary<string, object?> : null;
        var types = new[] { Text(root, "model_type"), text is null ? null : Text(text, "model_type") }.Where(t => !string.IsNullOrEmpty(t)).Select(t => t!).ToArray();
        var sizes = text is not null && Number(text, "hidden_size") is not null ? text : root;
        var dtype = Text(root, "torch_dtype") ?? Text(root, "dtype") ?? (text is null ? null : Text(text, "torch_dtype") ?? Text(text, "dtype"));
        return new ModelConfigFacts(types, Estimate(sizes, root), dtype);
    }

    /// <summary>
    /// A rough count: embeddings (vocab × hidden, twice when not tied) + layers × (attention + MLP), where attention is
    /// hidden × head_dim × (heads + 2 × kv_heads) for q, k, v plus heads × head_dim × hidden for o, and the MLP is gated
    /// (3 × hidden × intermediate), times the experts of a mixture of experts. Norms and biases are left out.
    /// </summary>
    private static double? Estimate(Dictionary<string, object?> sizes, Dictionary<string, object?> root)
    {
        if (Number(sizes, "hidden_size") is not { } hidden || Number(sizes, "num_hidden_layers") is not { } layers)
        {
            return null;
        }

        var intermediate = Number(sizes, "intermediate_size") ?? 4 * hidden;
        var vocab = Number(sizes, "vocab_size") ?? Number(root, "vocab_size") ?? 0;
        var heads = Number(sizes, "num_attention_heads");
        var kvHeads = Number(sizes, "num_key_value_heads") ?? heads;
        var headDim = Number(sizes, "head_dim") ?? (heads is { } h ? hidden / h : (double?)null);
        var attention = heads is { } q && kvHeads is { } kv && headDim is { } d
            ? (hidden * d * (q + 2 * kv)) + (q * d * hidden)
            : 4 * hidden * hidden;
        var experts = Number(sizes, "num_local_experts") ?? Number(sizes, "num_experts") ?? 1;
        var mlp = 3 * hidden * intermediate * Math.Max(1, experts);
        var tied = (sizes.TryGetValue("tie_word_embeddings", out var t) ? t : root.TryGetValue("tie_word_embeddings", out var r) ? r : null) as bool? ?? true;
        var embeddings = vocab * hidden * (tied ? 1 : 2);
        return embeddings + (layers * (attention + mlp));
    }

    private static string? Text(Dictionary<string, object?> json, string key) => json.TryGetValue(key, out var value) ? value as string : null;

    private static double? Number(Dictionary<string, object?> json, string key) =>
        json.TryGetValue(key, out var value) && value is double number && number > 0 && !double.IsInfinity(number) ? number : null;
}
