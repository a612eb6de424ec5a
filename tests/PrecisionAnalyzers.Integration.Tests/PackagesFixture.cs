using System.Globalization;
using System.Security;

namespace PrecisionAnalyzers.Integration.Tests;

/// <summary>
/// Packs the three packages once, from a copy of the repository's src/ (so the repository's bin and obj are never touched),
/// with a version no earlier run used, into a local feed in a temporary folder. Consumers restore with a private global
/// packages folder: nothing they use can come from an earlier run's cache. The user's packages folder is only a read-only
/// fallback for the third-party packages (TorchSharp and its dependencies), and the user's package sources stay configured.
/// </summary>
public sealed class PackagesFixture : IAsyncLifetime
{
    public const string AnalyzersId = "PrecisionAnalyzers";
    public const string RuntimeId = "PrecisionAnalyzers.Runtime";
    public const string ToolId = "PrecisionAnalyzers.Cli";
    public const string ToolRid = "linux-x64";

    private static readonly string[] CopiedFiles = ["Directory.Build.props", "Directory.Packages.props", "global.json", "LICENSE"];
    private static readonly string[] CopiedProjects = ["Analyzers", "CodeFixes", "Package", "Runtime", "Server", "Cli"];

    public PackagesFixture()
    {
        RepositoryRoot = FindRepositoryRoot();
        Root = Directory.CreateTempSubdirectory("precision-it-").FullName;
        Feed = Path.Combine(Root, "feed");
        PackagesFolder = Path.Combine(Root, "packages");
        Version = "0.1.0-it." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "." + Environment.ProcessId;
        Directory.CreateDirectory(Feed);
        Directory.CreateDirectory(PackagesFolder);

        // Stops MSBuild's search for Directory.Build.props/targets and Directory.Packages.props above the consumers.
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Packages.props"), "<Project />\n");
    }

    /// <summary>The checkout these tests belong to (for src/ and docs/).</summary>
    public string RepositoryRoot { get; }

    /// <summary>The temporary folder holding everything: feed, packages, the source copy, consumers.</summary>
    public string Root { get; }

    public string Feed { get; }

    public string PackagesFolder { get; }

    public string Version { get; }

    public async Task InitializeAsync()
    {
        var source = Path.Combine(Root, "source");
        foreach (var file in CopiedFiles)
        {
            File.Copy(Path.Combine(RepositoryRoot, file), Path.Combine(source, file).EnsureParent());
        }

        foreach (var project in CopiedProjects)
        {
            CopySource(Path.Combine(RepositoryRoot, "src", project), Path.Combine(source, "src", project));
        }

        foreach (var project in new[] { "Package/PrecisionAnalyzers.Package.csproj", "Runtime/PrecisionAnalyzers.Runtime.csproj", "Cli/PrecisionAnalyzers.Cli.csproj" })
        {
            // The source copy has no .git: no repository commit to stamp, which is fine for a test package.
            var result = await Dotnet(source, null,
                "pack", Path.Combine(source, "src", project), "-c", "Release", "-o", Feed, "-p:Version=" + Version,
                "-p:EnableSourceControlManagerQueries=false", "-p:ContinuousIntegrationBuild=false", "-nodeReuse:false", "-tl:off");
            if (!result.Succeeded)
            {
                throw new InvalidOperationException("Packing failed.\n" + result);
            }
        }
    }

    public Task DisposeAsync()
    {
        if (Environment.GetEnvironmentVariable("PRECISION_IT_KEEP") != "1")
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // A process killed on timeout may still hold a file; the folder is under the temporary directory anyway.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The path of a package in the feed, e.g. <c>PrecisionAnalyzers.Cli.linux-x64</c>.</summary>
    public string PackagePath(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    /// <summary>A new empty folder under <see cref="Root"/> with a nuget.config: the local feed, the private packages folder.</summary>
    public string NewWorkFolder(string name)
    {
        var folder = Path.Combine(Root, "work", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "nuget.config"), NuGetConfig());
        return folder;
    }

    /// <summary>Runs dotnet in <paramref name="folder"/> with the consumers' environment (private packages folder).</summary>
    public Task<ProcessResult> DotnetAsConsumer(string folder, params string[] arguments) =>
        Dotnet(folder, new Dictionary<string, string?> { ["NUGET_PACKAGES"] = PackagesFolder }, arguments);

    public static Task<ProcessResult> Dotnet(string folder, IReadOnlyDictionary<string, string?>? environment, params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", arguments, folder, environment);

    private string NuGetConfig()
    {
        // No <clear/>: the user's sources (the registry TorchSharp comes from) stay; the local feed is added before them.
        var userPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var fallback = Directory.Exists(userPackages)
            ? $"""
                <fallbackPackageFolders>
                  <add key="user-packages" value="{SecurityElement.Escape(userPackages)}" />
                </fallbackPackageFolders>
              """
            : string.Empty;
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="precision-local-feed" value="{SecurityElement.Escape(Feed)}" />
              </packageSources>
              <config>
                <add key="globalPackagesFolder" value="{SecurityElement.Escape(PackagesFolder)}" />
              </config>
            {fallback}
            </configuration>
            """;
    }

    private static void CopySource(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            var name = Path.GetFileName(directory);
            if (name is not ("bin" or "obj"))
            {
                CopySource(directory, Path.Combine(to, name));
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PrecisionAnalyzers.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("PrecisionAnalyzers.sln not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class PackagesCollection : ICollectionFixture<PackagesFixture>
{
    // One collection: the fixture packs once, and the tests run one after another (each is a full build on 2 cores).
    public const string Name = "Packages";
}

internal static class PathExtensions
{
    public static string EnsureParent(this string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        return file;
    }
}
