namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>
/// A file a verb writes (<c>--logits</c>): checked before any work, so that a folder, a missing or unwritable folder fails
/// up front naming the flag, and written whole or not at all (a temporary file renamed into place).
/// </summary>
internal static class OutputFile
{
    /// <summary>Bad input naming <paramref name="flag"/> unless <paramref name="path"/> can be created or replaced.</summary>
    public static void CheckWritable(string path, string flag)
    {
        if (Directory.Exists(path))
        {
            throw new BadInputException($"{flag}: {path} is a folder; give a file name in it, such as {Path.Combine(path, "out.npy")}.");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder))
        {
            throw new BadInputException($"{flag}: the folder {folder} does not exist.");
        }

        // The probe is what the write will do: create a file in that folder.
        var probe = Path.Combine(folder, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8] + ".probe");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new BadInputException($"{flag}: cannot write in {folder}: {(e is UnauthorizedAccessException ? "permission denied" : e.Message)}.", e);
        }
    }

    /// <summary>Runs <paramref name="write"/> (an atomic writer), turning a failure to write into bad input naming the flag and path.</summary>
    public static void Write(string path, string flag, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new BadInputException($"{flag}: cannot write {path}: {(e is UnauthorizedAccessException ? "permission denied" : e.Message)}.", e);
        }
    }
}
