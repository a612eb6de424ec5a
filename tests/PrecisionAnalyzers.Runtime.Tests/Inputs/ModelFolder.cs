using System.Diagnostics;

namespace PrecisionAnalyzers.Runtime.Tests.Inputs;

/// <summary>A temporary folder for the file-policy tests, with real FIFOs and symbolic links, deleted after the test.</summary>
internal sealed class ModelFolder : IDisposable
{
    public const string TinyLlama = """{"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10}""";

    public ModelFolder()
    {
        Root = Directory.CreateTempSubdirectory("precision-inputs-").FullName;
        Path = Directory.CreateDirectory(System.IO.Path.Combine(Root, "model")).FullName;
    }

    /// <summary>Holds <see cref="Path"/> and files "outside the model folder".</summary>
    public string Root { get; }

    /// <summary>The model folder.</summary>
    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Outside(string name, string text)
    {
        var file = System.IO.Path.Combine(Root, name);
        System.IO.File.WriteAllText(file, text);
        return file;
    }

    /// <summary>Makes a real named pipe with <c>mkfifo</c>; nothing ever writes to it, so opening it would block forever.</summary>
    public string Fifo(string name)
    {
        var path = File(name);
        using var process = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return path;
    }

    public string Link(string name, string target)
    {
        var path = File(name);
        System.IO.File.CreateSymbolicLink(path, target);
        return path;
    }

    /// <summary>Runs <paramref name="action"/> off the test thread and fails the test instead of hanging when it blocks.</summary>
    public static async Task<T> WithinAsync<T>(Func<T> action) => await Task.Run(action).WaitAsync(TimeSpan.FromSeconds(60));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
