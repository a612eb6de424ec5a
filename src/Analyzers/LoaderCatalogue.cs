using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// The model loaders PREC001 knows, kept as data, one per line: <c>kind;type;method;parameter</c>. Users describe their own
/// wrappers the same way in an AdditionalFile named <see cref="UserFileName"/> (<c>#</c> starts a comment). Kinds:
/// <c>module-load</c> loads weights into a module (the receiver, or an extension method's first argument) whose dtype must be
/// chosen where it is built; <c>result-load</c> returns a module that must be converted; <c>dtype-param</c> must be given the
/// named parameter explicitly; <c>traced-load</c> returns a TorchScript module, which keeps the dtype it was saved with (PREC001
/// does not report it; PREC002 follows its path). A type written <c>*Suffix</c> matches any type whose name ends so (GenAI's
/// <c>*ForCausalLM</c>). Beyond the list, a method of the loader's shape is a <c>dtype-param</c> loader whatever it is called
/// (<see cref="LoaderShape"/>).
/// </summary>
internal sealed class LoaderCatalogue
{
    public const string UserFileName = "PrecisionAnalyzers.Loaders.txt";

    public static readonly ImmutableArray<string> BuiltIn = ImmutableArray.Create(
        "dtype-param;*ForCasualLM;FromPretrained;torchDtype",
        "dtype-param;*ForCausalLM;FromPretrained;torchDtype",
        "module-load;TorchSharp.PyBridge.PyBridgeModuleExtensions;load_checkpoint;",
        "module-load;TorchSharp.PyBridge.PyBridgeModuleExtensions;load_py;",
        "module-load;TorchSharp.PyBridge.PyBridgeModuleExtensions;load_safetensors;",
        "module-load;TorchSharp.torch+nn+Module;load;",
        "traced-load;TorchSharp.torch+jit;load;");

    private readonly PrecisionContext _precision;

    private LoaderCatalogue(ImmutableArray<LoaderEntry> entries, PrecisionContext precision)
    {
        _precision = precision;
        Entries = entries;
        MethodNames = entries.Select(e => e.Method).ToImmutableHashSet(StringComparer.Ordinal);
    }

    public ImmutableArray<LoaderEntry> Entries { get; }

    /// <summary>The method names of every entry: the syntactic pre-filter.</summary>
    public ImmutableHashSet<string> MethodNames { get; }

    /// <summary>The built-in entries plus the user's, from <see cref="UserFileName"/> among the AdditionalFiles.</summary>
    public static LoaderCatalogue Create(AnalyzerOptions options, PrecisionContext precision, CancellationToken cancellationToken)
    {
        var lines = BuiltIn.AsEnumerable();
        foreach (var file in options.AdditionalFiles.Where(f => string.Equals(System.IO.Path.GetFileName(f.Path), UserFileName, StringComparison.OrdinalIgnoreCase)))
        {
            if (file.GetText(cancellationToken) is { } text)
            {
                lines = lines.Concat(text.Lines.Select(l => l.ToString()));
            }
        }

        return new LoaderCatalogue(lines.Select(LoaderEntry.TryParse).Where(e => e is not null).Select(e => e!).ToImmutableArray(), precision);
    }

    /// <summary>The syntactic pre-filter: whether a call of this name may be a loader (listed, or named as loaders are).</summary>
    public bool MayLoad(string? invokedName) => invokedName is not null && (MethodNames.Contains(invokedName) || LoaderShape.NamedLikeLoader(invokedName));

    /// <summary>The listed entry for <paramref name="method"/>, else a <c>dtype-param</c> entry when it has a loader's shape, else null.</summary>
    public LoaderEntry? Find(IMethodSymbol method) => Entries.FirstOrDefault(e => e.Matches(method)) ?? LoaderShape.Of(method, _precision);
}

/// <summary>One loader of the catalogue.</summary>
internal sealed class LoaderEntry
{
    /// <summary>A <c>dtype-param</c> loader recognised by its shape.</summary>
    public static LoaderEntry ByShape(IMethodSymbol method, string parameter) => new("dtype-param", method.ContainingType.Name, method.Name, parameter);

    private LoaderEntry(string kind, string type, string method, string? parameter)
    {
        Kind = kind;
        Type = type;
        Method = method;
        Parameter = parameter;
    }

    public string Kind { get; }

    public string Type { get; }

    public string Method { get; }

    public string? Parameter { get; }

    public static LoaderEntry? TryParse(string line)
    {
        var hash = line.IndexOf('#');
        var parts = (hash >= 0 ? line.Substring(0, hash) : line).Split(';').Select(p => p.Trim()).ToArray();
        return parts.Length >= 3 && parts[0] is "module-load" or "result-load" or "traced-load" or "dtype-param" && parts[1].Length > 0 && parts[2].Length > 0
            ? new LoaderEntry(parts[0], parts[1], parts[2], parts.Length > 3 && parts[3].Length > 0 ? parts[3] : null)
            : null;
    }

    public bool Matches(IMethodSymbol method)
    {
        if (method.Name != Method)
        {
            return false;
        }

        for (var type = method.ContainingType; type is not null; type = type.BaseType)
        {
            if (Type.StartsWith("*", StringComparison.Ordinal) ? type.Name.EndsWith(Type.Substring(1), StringComparison.Ordinal) : MetadataName(type) == Type)
            {
                return true;
            }
        }

        return false;
    }

    private static string MetadataName(INamedTypeSymbol type)
    {
        var name = type.MetadataName;
        var outermost = type;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            name = outer.MetadataName + "+" + name;
            outermost = outer;
        }

        var ns = outermost.ContainingNamespace;
        return ns is null || ns.IsGlobalNamespace ? name : ns.ToDisplayString() + "." + name;
    }
}
