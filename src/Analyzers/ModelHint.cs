using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>What a model's path or id says about it: its family's FP16 safety and its size ("gemma-3-12b-it", "models/Llama-3.1-8B").</summary>
internal sealed class ModelHint
{
    private static readonly Regex Size = new(@"(?<![a-z0-9.])(?:(?<experts>\d+)x)?(?<number>\d+(?:\.\d+)?)(?<unit>[bm])(?![a-z])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>Families known to overflow in FP16 (matched as words of the model's name), as the runtime lists them.</summary>
    public static readonly string[] DefaultUnsafeFamilies = ["gemma", "gemma2", "gemma3", "gemma3_text", "gemma3n", "plamo2", "glm4"];

    private ModelHint(string name, string? unsafeFamily, double? parameters, bool familyFromConfig = false, bool parametersFromConfig = false, bool fromEditorConfig = false)
    {
        FromEditorConfig = fromEditorConfig;
        Name = name;
        UnsafeFamily = unsafeFamily;
        Parameters = parameters;
        FamilyFromConfig = familyFromConfig;
        ParametersFromConfig = parametersFromConfig;
    }

    /// <summary>The model's name: the last segment of the path or id (its folder's, when the file's name says nothing).</summary>
    public string Name { get; }

    /// <summary>The FP16-unsafe family the name belongs to, or null.</summary>
    public string? UnsafeFamily { get; }

    /// <summary>The parameter count the name states (7b → 7e9, 270m → 2.7e8, 8x7b → 5.6e10), or null.</summary>
    public double? Parameters { get; }

    /// <summary>Whether the family was decided by a config.json's model_type rather than by the name.</summary>
    public bool FamilyFromConfig { get; }

    /// <summary>Whether <see cref="Parameters"/> was estimated from a config.json's sizes rather than read from the name.</summary>
    public bool ParametersFromConfig { get; }

    /// <summary>Whether the facts are the ones <c>.editorconfig</c> states for the file (<see cref="Configured"/>).</summary>
    public bool FromEditorConfig { get; }

    /// <summary>True when neither the name nor a config.json says anything about the family or the size.</summary>
    public bool KnowsNothing => UnsafeFamily is null && Parameters is null && !FamilyFromConfig;

    /// <summary>
    /// The model that <c>.editorconfig</c> says a file's code loads (<c>precision_analyzers.model_family</c>,
    /// <c>precision_analyzers.model_size</c>), for loads whose path the code does not show; null when neither is set.
    /// </summary>
    public static ModelHint? Configured(string? family, double? parameters, string[] unsafeFamilies)
    {
        var known = family is not null && Key(family).Length > 0;
        if (!known && parameters is null)
        {
            return null;
        }

        var unsafeFamily = known ? unsafeFamilies.FirstOrDefault(f => Key(f).Length > 0 && Key(f) == Key(family!)) : null;
        return new ModelHint("the model these files load", unsafeFamily, parameters, familyFromConfig: known, fromEditorConfig: true);
    }

    /// <summary>
    /// What <paramref name="pathOrId"/> says, overridden by its folder's config.json where that one knows: a model_type decides
    /// the family (so a llama config clears a name that says gemma), an estimated size replaces the name's.
    /// </summary>
    public static ModelHint Parse(string pathOrId, string[] unsafeFamilies, ModelConfigs configs)
    {
        var hint = Parse(pathOrId, unsafeFamilies);
        if (configs.Find(pathOrId) is not { } facts)
        {
            return hint;
        }

        var family = hint.UnsafeFamily;
        var familyFromConfig = facts.ModelTypes.Length > 0;
        if (familyFromConfig)
        {
            family = unsafeFamilies.FirstOrDefault(f => facts.ModelTypes.Any(t => Key(t) == Key(f) && Key(f).Length > 0));
        }

        return new ModelHint(hint.Name, family, facts.Parameters ?? hint.Parameters, familyFromConfig, facts.Parameters is not null);
    }

    /// <summary>
    /// What the last segment of <paramref name="pathOrId"/> says; when that is a file (<c>gemma-2-9b/model.safetensors</c>)
    /// that says nothing, what its folder's name says.
    /// </summary>
    public static ModelHint Parse(string pathOrId, string[] unsafeFamilies)
    {
        var segments = pathOrId.Split('/', '\\').Where(s => s.Length > 0).ToArray();
        if (segments.Length == 0)
        {
            return ParseName(pathOrId, unsafeFamilies);
        }

        var hint = ParseName(segments[segments.Length - 1], unsafeFamilies);
        return hint.UnsafeFamily is null && hint.Parameters is null && segments.Length > 1 && ModelConfigs.LooksLikeFile(segments[segments.Length - 1])
            ? ParseName(segments[segments.Length - 2], unsafeFamilies)
            : hint;
    }

    /// <summary>
    /// Published models whose ids do not state their size, with their parameter counts from their published configs (checked
    /// by hand against each model card): <c>microsoft/Phi-3-mini-4k-instruct</c> is 3.8B, <c>gpt2-xl</c> 1.5B.
    /// </summary>
    private static readonly (string Key, double Parameters)[] PublishedSizes =
    [
        ("phi-3-mini", 3.8e9), ("phi-3.5-mini", 3.8e9), ("phi-3-small", 7.4e9), ("phi-3-medium", 14e9), ("phi-3.5-moe", 41.9e9),
        ("phi-4-mini", 3.8e9), ("phi-4", 14.7e9), ("phi-2", 2.7e9), ("phi-1_5", 1.4e9), ("phi-1.5", 1.4e9), ("phi-1", 1.3e9),
        ("tinyllama", 1.1e9), ("gpt2-xl", 1.5e9), ("gpt2-large", 7.74e8), ("gpt2-medium", 3.55e8), ("gpt2", 1.24e8),
        ("bert-large", 3.4e8), ("bert-base", 1.1e8), ("distilbert", 6.6e7), ("roberta-large", 3.55e8), ("roberta-base", 1.25e8),
        ("minilm", 2.2e7), ("t5-small", 6e7), ("t5-base", 2.2e8), ("t5-large", 7.7e8),
    ];

    /// <summary>
    /// Model classes by the family their name starts with (GenAI's <c>Phi3ForCasualLM</c>, transformers' <c>LlamaForCausalLM</c>):
    /// the family's FP16 safety and the smallest size it was published in (Llama 3.2 1B, Phi-3-mini 3.8B, Mistral 7B).
    /// </summary>
    private static readonly (string Prefix, string Family, string? UnsafeFamily, double? Smallest)[] ModelClasses =
    [
        ("gemma3", "Gemma 3", "gemma3", null), ("gemma2", "Gemma 2", "gemma2", null), ("gemma", "Gemma", "gemma", null),
        ("phi3", "Phi-3", null, 3.8e9), ("phi2", "Phi-2", null, 2.7e9), ("mixtral", "Mixtral", null, 4.67e10), ("mistral", "Mistral", null, 7.2e9),
        ("llama", "Llama", null, 1e9),
    ];

    /// <summary>What a model class's name says (<c>Phi3ForCasualLM</c>: Phi-3, at least 3.8B); null for a name it does not know.</summary>
    public static ModelHint? OfType(string typeName)
    {
        var lower = typeName.ToLowerInvariant();
        var at = lower.IndexOf("for", System.StringComparison.Ordinal);
        if (at <= 0)
        {
            return null;
        }

        foreach (var (prefix, family, unsafeFamily, smallest) in ModelClasses)
        {
            if (lower.Substring(0, at).EndsWith(prefix, System.StringComparison.Ordinal))
            {
                return new ModelHint($"{typeName} ({family})", unsafeFamily, smallest);
            }
        }

        return null;
    }

    /// <summary>"Phi3ForCasualLM (Phi-3): at least about 15.2 GB in FP32, …" for a model class whose smallest size is known, or null.</summary>
    public static string? SizeOfType(string typeName) => OfType(typeName) is { } hint && hint.Consequence() is { } text ? $"{hint.Name}: at least {text}" : null;

    private static ModelHint ParseName(string name, string[] unsafeFamilies)
    {
        // Candidates are the name's words, and a word joined with a following version number ("gemma-2-9b" → gemma2),
        // so "gemma-2b" stays Gemma 1 at 2B. The longest family that matches wins.
        var words = Regex.Split(name.ToLowerInvariant(), "[^a-z0-9]+").Where(w => w.Length > 0).ToArray();
        var candidates = words.Concat(words.Zip(words.Skip(1), (a, b) => b.All(char.IsDigit) ? a + b : string.Empty)).Where(c => c.Length > 0).ToArray();
        string? family = null;
        foreach (var candidate in unsafeFamilies)
        {
            var key = Key(candidate);
            if (key.Length > 0 && candidates.Contains(key) && (family is null || key.Length > family.Length))
            {
                family = candidate;
            }
        }

        double? parameters = null;
        foreach (Match match in Size.Matches(name))
        {
            var value = double.Parse(match.Groups["number"].Value, CultureInfo.InvariantCulture) * (char.ToLowerInvariant(match.Groups["unit"].Value[0]) == 'b' ? 1e9 : 1e6);
            if (match.Groups["experts"].Success)
            {
                value *= int.Parse(match.Groups["experts"].Value, CultureInfo.InvariantCulture);
            }

            parameters = Math.Max(parameters ?? 0, value);
        }

        if (parameters is null)
        {
            var lower = name.ToLowerInvariant();
            foreach (var (key, size) in PublishedSizes)
            {
                if (Regex.IsMatch(lower, "(?<![a-z0-9])" + Regex.Escape(key) + "(?![a-z0-9.]|_[0-9])"))
                {
                    parameters = size;
                    break;
                }
            }
        }

        return new ModelHint(name, family, parameters);
    }

    private static string Key(string family) => family.Trim().ToLowerInvariant().Replace("-", string.Empty).Replace("_", string.Empty);

    /// <summary>Parses "1B", "500M", "1.5b", "2000000000" as a parameter count; null when it is none of these.</summary>
    public static double? ParseThreshold(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text!.Trim();
        var unit = char.ToLowerInvariant(trimmed[trimmed.Length - 1]);
        var scale = unit == 'b' ? 1e9 : unit == 'm' ? 1e6 : unit == 'k' ? 1e3 : 1;
        var number = scale == 1 ? trimmed : trimmed.Substring(0, trimmed.Length - 1);
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 ? value * scale : null;
    }

    /// <summary>
    /// "gemma-3-12b-it: about 48 GB in FP32, 24 GB in BF16" when the path's name or its folder's config.json gives the size;
    /// else the size <c>.editorconfig</c> states for the file's model; else null. PREC001's consequence, for every loader.
    /// </summary>
    public static string? SizeOf(string? path, ModelConfigs configs, Microsoft.CodeAnalysis.Diagnostics.AnalyzerOptions options, Microsoft.CodeAnalysis.SyntaxTree tree)
    {
        if (path is not null && Parse(path, DefaultUnsafeFamilies, configs) is var hint && hint.Consequence() is { } text)
        {
            return $"{hint.Name}: {text}";
        }

        return AnalyzerOptionsReader.ConfiguredModel(options, tree, DefaultUnsafeFamilies)?.Consequence() is { } configured
            ? $"{AnalyzerOptionsReader.ModelSize} in .editorconfig: {configured}"
            : null;
    }

    /// <summary>"about 47 GB in FP32, 24 GB in BF16" (one decimal below 10 GB: "1.4 GB", "0.7 GB"; megabytes below 0.1 GB: "88 MB") for a stated size, or null.</summary>
    public string? Consequence() => Parameters is { } p
        ? string.Format(CultureInfo.InvariantCulture, "about {0} in FP32, {1} in BF16", Gigabytes(p * 4), Gigabytes(p * 2))
        : null;

    private static string Gigabytes(double bytes) => bytes < 0.095e9
        ? (bytes / 1e6).ToString("0", CultureInfo.InvariantCulture) + " MB"
        : (bytes / 1e9).ToString(bytes < 9.95e9 ? "0.0" : "0", CultureInfo.InvariantCulture) + " GB";
}
