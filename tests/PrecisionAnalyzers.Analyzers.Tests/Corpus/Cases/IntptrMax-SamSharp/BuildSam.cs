// Reduced from https://github.com/IntptrMax/SamSharp/blob/f9795abb2001949c0f63c6cf18922865337a615a/SamSharp/Utils/BuildSam.cs (licence: Apache-2.0).
// Builds SAM's encoder, prompt encoder and mask decoder moved to (device, dtype) with dtype defaulting to FP32, loads a PyTorch checkpoint's state dict into them, and returns the model moved to (device, dtype) again; the predictor passes its own dtype parameter through.
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.SamSharp.Build;

public enum SamDevice
{
    CPU = 0,
    CUDA = 1,
}

public enum SamScalarType
{
    Float16 = 5,
    Float32 = 6,
    BFloat16 = 15,
}

public static class PickleLoader
{
    public static Dictionary<string, Tensor> Load(string path) => new();
}

public class Sam : nn.Module
{
    public Sam(nn.Module imageEncoder, nn.Module promptEncoder)
        : base(nameof(Sam))
    {
        RegisterComponents();
    }
}

public static class BuildSam
{
    public static Sam BuildSamModel(string checkpoint, Device device, ScalarType dtype) =>
        _build_sam(1280, 32, 16, [7, 15, 23, 31], checkpoint, device, dtype);

    private static Sam _build_sam(int encoder_embed_dim, int encoder_depth, int encoder_num_heads, int[] encoder_global_attn_indexes, string? checkpoint = null, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        device = device ?? CPU;
        var imageEncoder = nn.Sequential(nn.Conv2d(3, encoder_embed_dim, 16, stride: 16), nn.Conv2d(encoder_embed_dim, 256, 1)).to(device, dtype); //~ PREC002 the dtype parameter, FP32 by default; SAM has at most 636M parameters
        var promptEncoder = nn.Sequential(nn.Linear(2, 256)).to(device, dtype); //~ PREC002 the dtype parameter
        Sam sam = new Sam(imageEncoder, promptEncoder);
        if (!string.IsNullOrEmpty(checkpoint))
        {
            Dictionary<string, Tensor> state_dict = PickleLoader.Load(checkpoint);
            var (missing, unexpected) = sam.load_state_dict(state_dict, strict: false); //~ PREC001 every part was moved to the dtype parameter before, and the model is moved again after
            if (missing.Count + unexpected.Count > 0)
            {
                throw new System.ArgumentException("Error loading state dict");
            }
        }

        return sam.to(device, dtype); //~ PREC002 the dtype parameter
    }
}

public class SamPredictor
{
    private readonly Sam model;

    public SamPredictor(string checkpointPath, SamDevice device = SamDevice.CPU, SamScalarType dtype = SamScalarType.Float32)
    {
        this.model = BuildSam.BuildSamModel(checkpointPath, new Device((DeviceType)device), (ScalarType)dtype); //~ PREC001 passes its dtype parameter on
    }
}
