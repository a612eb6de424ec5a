// Reduced from https://github.com/ArnieTW/CosyVoiceNet/blob/37fac998197a14a68b3617a2a4ac437e1f2ef821/Tools/ExtractEmbedding.cs (licence: Apache-2.0).
// The speaker-embedding extractor (CAM++) prefers a TorchScript .pt through torch.jit.load and falls back to ONNX Runtime when that fails.
using System;
using System.IO;
using TorchSharp;

namespace Corpus.CosyVoiceNet.Tools;

public sealed class ExtractEmbedding
{
    private readonly dynamic? _jitModule;
    private readonly int _numThreads;

    public ExtractEmbedding(string modelPath, int numThreads = 8)
    {
        if (!File.Exists(modelPath)) throw new FileNotFoundException("model not found", modelPath);
        _jitModule = null;
        _numThreads = numThreads;
        var ext = Path.GetExtension(modelPath)?.ToLowerInvariant();
        if (ext == ".pt")
        {
            try
            {
                _jitModule = TorchSharp.torch.jit.load(modelPath); //~ PREC001 a TorchScript module keeps the dtype it was saved with
            }
            catch
            {
                _jitModule = null;
            }
        }

        if (_jitModule == null)
        {
            Console.WriteLine($"falling back to ONNX Runtime with {_numThreads} threads");
        }
    }
}
