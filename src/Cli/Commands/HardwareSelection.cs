using PrecisionAnalyzers.Runtime.Hardware;
using PrecisionAnalyzers.Runtime.Planning;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>The machine a verb plans for: <c>--hardware NAME|FILE</c>, or this one.</summary>
internal sealed record HardwareSelection(string Name, HardwareProfile Profile, IReadOnlyList<PlanDevice> Devices, bool IsLocal)
{
    public static HardwareSelection Resolve(string nameOrFile)
    {
        try
        {
            var profile = HardwareProfiles.Resolve(nameOrFile);
            var isLocal = nameOrFile == "local";
            return new HardwareSelection(isLocal ? "local" : profile.Name, profile, PlanDevices.From(profile, isLocal), isLocal);
        }
        catch (HardwareProfileException e)
        {
            throw new BadInputException(e.Message, e);
        }
    }
}
