using System.Diagnostics;
using System.Text.Json;

namespace PrecisionAnalyzers.Cli.Tests;

public sealed class DoctorCommandTests
{
    [Fact]
    public async Task Json_output_has_the_documented_fields_and_the_cpu_of_this_machine()
    {
        var (code, output, error) = await CliRunner.RunAsync("doctor", "--json");

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.False(string.IsNullOrEmpty(root.GetProperty("os").GetString()));
        var torch = root.GetProperty("torchSharp");
        Assert.Equal("0.107.0", torch.GetProperty("version").GetString());
        Assert.StartsWith("2.10", torch.GetProperty("libtorch").GetString(), StringComparison.Ordinal);
        Assert.True(torch.GetProperty("loaded").GetBoolean());
        Assert.True(root.GetProperty("memoryBytes").GetInt64() > 0);
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("cpu").GetProperty("cores").GetInt32());

        // Independent read of this machine's flags: the CPU reports native BF16 exactly when /proc/cpuinfo lists it.
        var flags = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("flags", StringComparison.Ordinal)).Split(' ');
        var bf16 = flags.Contains("avx512_bf16") || flags.Contains("amx_bf16");
        Assert.Equal(bf16, root.GetProperty("cpu").GetProperty("bf16").GetBoolean());

        var cpu = root.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "cpu");
        Assert.Equal(bf16 ? "bfloat16" : "float32", cpu.GetProperty("autoDtype").GetString());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("gpus").ValueKind);
    }

    [Fact]
    public async Task A_second_process_reuses_the_compatibility_copy_instead_of_writing_it_again()
    {
        using var cache = new TempFolder();

        var first = await RunProcessAsync(cache.Path);
        var copy = first.GetProperty("compatibilityCopy").GetString();
        if (copy is null)
        {
            // This system's libstdc++ has every version TorchSharp asks for: nothing is written, nothing to reuse.
            Assert.False(first.GetProperty("compatibilityCopyWritten").GetBoolean());
            return;
        }

        Assert.StartsWith(cache.Path, copy, StringComparison.Ordinal);
        Assert.True(first.GetProperty("compatibilityCopyWritten").GetBoolean());
        var writtenAt = File.GetLastWriteTimeUtc(copy);

        var second = await RunProcessAsync(cache.Path);

        Assert.Equal(copy, second.GetProperty("compatibilityCopy").GetString());
        Assert.False(second.GetProperty("compatibilityCopyWritten").GetBoolean());
        Assert.Equal(writtenAt, File.GetLastWriteTimeUtc(copy));
    }

    [Theory]
    [InlineData("0", false)]
    [InlineData("1", true)]
    public async Task The_huge_page_decision_is_reported_with_its_reason_and_follows_the_users_setting(string setting, bool enabled)
    {
        using var cache = new TempFolder();

        var torch = await RunProcessAsync(cache.Path, ("PRECISION_HUGE_PAGES", setting));

        var hugePages = torch.GetProperty("hugePages");
        Assert.Equal(enabled, hugePages.GetProperty("enabled").GetBoolean());
        Assert.Equal($"PRECISION_HUGE_PAGES={setting}", hugePages.GetProperty("reason").GetString());
    }

    private static async Task<JsonElement> RunProcessAsync(string cacheFolder, params (string Name, string Value)[] environment)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "precision.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(cli);
        start.ArgumentList.Add("doctor");
        start.ArgumentList.Add("--json");
        start.Environment["PRECISION_NATIVE_CACHE"] = cacheFolder;
        start.Environment.Remove("THP_MEM_ALLOC_ENABLE");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, error);
        return JsonDocument.Parse(output).RootElement.GetProperty("torchSharp").Clone();
    }
}
