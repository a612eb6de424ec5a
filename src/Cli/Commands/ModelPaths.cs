using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Configuration;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>Turns a user's PATH into a configuration, with bad-input errors that say what was expected.</summary>
internal static class ModelPaths
{
    public static ModelConfig LoadConfig(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            throw new BadInputException($"{path} does not exist. Give a model folder (holding config.json) or its config.json.");
        }

        return ModelConfig.Load(path);
    }

    /// <summary>The model folder of a PATH that is the folder or its config.json.</summary>
    public static string Folder(string path) => Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;

    /// <summary>The dtype of the checkpoint's weights, from the safetensors headers, or null when there are none.</summary>
    public static DType? WeightsDtype(string path)
    {
        return Checkpoint.ReadWeightsDtype(Folder(path));
    }
}
