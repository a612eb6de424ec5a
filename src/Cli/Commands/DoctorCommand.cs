using System.CommandLine;
using System.Runtime.InteropServices;
using PrecisionAnalyzers.Cli.Output;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Hardware;
using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Planning;
using Spectre.Console;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary><c>precision doctor</c>: the platform, TorchSharp, CPU, RAM, GPUs, and the dtype each device gets by <c>Auto</c>.</summary>
internal static class DoctorCommand
{
    // Stand-ins for "a model of an FP16-safe family" and "of an FP16-unsafe family", both with FP32 checkpoints.
    private static readonly ModelConfig SafeModel = ModelConfig.Parse("""{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":1,"num_attention_heads":1,"vocab_size":8,"torch_dtype":"float32"}""");
    private static readonly ModelConfig UnsafeModel = ModelConfig.Parse("""{"model_type":"gemma2","hidden_size":64,"intermediate_size":128,"num_hidden_layers":1,"num_attention_heads":1,"head_dim":64,"vocab_size":8,"torch_dtype":"float32"}""");

    public static Command Create(CliConsole console)
    {
        var json = CommonOptions.Json();
        var command = new Command("doctor", "Show the platform, TorchSharp, CPU, RAM, GPUs, and the dtype each device gets by Auto.") { json };
        command.SetAction(parse =>
        {
            var report = Diagnose();
            if (parse.GetValue(json))
            {
                CliJson.Write(console.Output, report);
            }
            else
            {
                Render(console.Human, report);
            }

            return report.TorchSharp.Loaded ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    internal static DoctorJson Diagnose()
    {
        TorchSharpJson torchSharp;
        try
        {
            var status = TorchSharpLoader.EnsureLoaded();
            torchSharp = new TorchSharpJson(status.TorchSharpVersion, status.LibTorchVersion, status.Loaded, status.CompatibilityCopyPath, status.CompatibilityCopyWritten, null, new HugePagesJson(status.HugePages.Enabled, status.HugePages.Reason),
                new OpenMpWaitJson(status.OpenMpWait.Policy ?? "default", status.OpenMpWait.Reason));
        }
        catch (TorchSharpLoadException e)
        {
            torchSharp = new TorchSharpJson(null, null, false, null, false, e.Message, null, null);
        }

        var profile = HardwareProbe.Probe();
        var devices = PlanDevices.From(profile, isLocal: torchSharp.Loaded);
        var probe = torchSharp.Loaded ? new MatmulDtypeProbe() : null;
        return new DoctorJson(
            RuntimeInformation.OSDescription,
            torchSharp,
            new CpuJson(profile.Cpu.Name, profile.Cpu.Cores, profile.Cpu.Bf16, profile.Cpu.Fp16),
            profile.MemoryBytes,
            profile.AvailableMemoryBytes,
            profile.Gpus.Select(g => new GpuJson(g.Index, g.Name, g.ComputeCapability, g.TotalMemoryBytes, g.FreeMemoryBytes)).ToArray(),
            devices.Select(d => new DeviceJson(
                d.Name,
                d.Description,
                d.IsUsable,
                d.UnusableReason,
                d.IsUsable ? AutoDtype(d, SafeModel, probe) : null,
                d.IsUsable ? AutoDtype(d, UnsafeModel, probe) : null)).ToArray(),
            profile.Notes);
    }

    /// <summary>What <c>Auto</c> gives a model on the device: the planner's rule, proven by a matmul on real devices.</summary>
    private static string AutoDtype(PlanDevice device, ModelConfig model, IDtypeProbe? probe)
    {
        var plan = new PrecisionPlanner(probe).Plan(model, [device with { MemoryBytes = long.MaxValue }], new PlanRequest(Dtype: DType.Auto, ContextLength: 0));
        return plan.Dtype is { } dtype ? DtypeRules.Name(dtype) : "none";
    }

    internal static void Render(IAnsiConsole human, DoctorJson report)
    {
        human.MarkupLine($"[bold]OS[/]          {Markup.Escape(report.Os)}");
        var torch = report.TorchSharp;
        human.MarkupLine(torch.Loaded
            ? $"[bold]TorchSharp[/]  {torch.Version} (libtorch {torch.Libtorch}), loaded{(torch.CompatibilityCopy is null ? "" : " through the compatibility copy " + Markup.Escape(torch.CompatibilityCopy))}"
            : $"[bold]TorchSharp[/]  [red]not loaded[/]: {Markup.Escape(torch.Error ?? "")}");
        if (torch.HugePages is { } huge)
        {
            human.MarkupLine($"[bold]Huge pages[/]  {(huge.Enabled ? "on" : "off")} for libtorch's large allocations: {Markup.Escape(huge.Reason)}");
        }

        if (torch.OpenMpWait is { } wait)
        {
            human.MarkupLine($"[bold]OpenMP[/]      idle workers {(wait.Policy == "PASSIVE" ? "sleep" : wait.Policy == "ACTIVE" ? "spin" : "spin, then sleep")} ({Markup.Escape(wait.Policy)}): {Markup.Escape(wait.Reason)}");
        }

        human.MarkupLine($"[bold]CPU[/]         {Markup.Escape(report.Cpu.Name)}, {report.Cpu.Cores} cores, native BF16: {Yes(report.Cpu.Bf16)}, native FP16: {Yes(report.Cpu.Fp16)}");
        human.MarkupLine($"[bold]RAM[/]         {PrecisionPlanner.Bytes(report.MemoryBytes)}{(report.AvailableMemoryBytes is { } a ? $", {PrecisionPlanner.Bytes(a)} available" : "")}");
        human.MarkupLine($"[bold]GPUs[/]        {(report.Gpus.Count == 0 ? "none" : string.Join("; ", report.Gpus.Select(g => Markup.Escape($"cuda:{g.Index} {g.Name} (compute {g.ComputeCapability}, {PrecisionPlanner.Bytes(g.TotalMemoryBytes)})"))))}");

        var table = new Table().AddColumn("device").AddColumn("Auto gives (llama-like)").AddColumn("Auto gives (gemma-like)").AddColumn("notes");
        foreach (var device in report.Devices)
        {
            table.AddRow(device.Name, device.AutoDtype ?? "-", device.AutoDtypeFp16Unsafe ?? "-", Markup.Escape(device.Usable ? device.Description : "unusable: " + device.Reason));
        }

        human.Write(table);
        foreach (var note in report.Notes)
        {
            human.MarkupLine("[grey]note:[/] " + Markup.Escape(note));
        }
    }

    private static string Yes(bool value) => value ? "yes" : "no";
}
