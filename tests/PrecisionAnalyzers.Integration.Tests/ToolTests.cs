namespace PrecisionAnalyzers.Integration.Tests;

/// <summary>The precision command as a .NET tool, installed from the local feed and run from where it was installed.</summary>
[Collection(PackagesCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ToolTests(PackagesFixture packages)
{
    [Fact]
    public async Task Tool_install_from_the_feed_gives_a_precision_command_whose_demo_runs()
    {
        var folder = packages.NewWorkFolder("tool");
        var toolPath = Path.Combine(folder, "tools");

        var install = await packages.DotnetAsConsumer(folder,
            "tool", "install", PackagesFixture.ToolId, "--tool-path", toolPath, "--add-source", packages.Feed, "--version", packages.Version);

        Assert.True(install.Succeeded, install.ToString());
        var command = Path.Combine(toolPath, "precision");
        Assert.True(File.Exists(command), $"no {command}\n{install}");

        // A private native cache: the run exercises writing TorchSharp's compatibility copy where the platform needs one.
        var demo = await ProcessRunner.RunAsync(command, ["demo"], folder,
            new Dictionary<string, string?> { ["PRECISION_NATIVE_CACHE"] = Path.Combine(folder, "native-cache") },
            TimeSpan.FromMinutes(10));

        Assert.True(demo.Succeeded, demo.ToString());
        // The real model ships inside the tool package: its published story, then the guard.
        Assert.Contains(", there was a little girl named Lily. She loved to play outside in the park.", demo.Output, StringComparison.Ordinal);
        Assert.Contains("PREC104", demo.Output, StringComparison.Ordinal);
        Assert.Matches(@"\d+ tokens in \w+", demo.Output);
    }
}
