using System.Globalization;
using System.Text;

namespace PrecisionAnalyzers.Runtime.Inputs;

/// <summary>
/// The rule every reader of an external file follows before it opens one (checkpoint shards and index, <c>config.json</c>,
/// generation and adapter configs, encoder configs, hardware profiles, training state):
/// <list type="bullet">
/// <item>only a regular file is opened: never a FIFO (opening one blocks until a writer appears), a device, a socket or a
/// folder; the type is asked of the kernel before the file is opened;</item>
/// <item>a file the reader found in a folder (a model folder, an adapter folder) is followed through symbolic links only
/// when its final target lies inside that folder, or, for a Hugging Face cache snapshot (<c>…/snapshots/REV</c>), inside
/// that repository's <c>blobs</c> folder; a file the user named directly may link anywhere; a dangling link is named as
/// such;</item>
/// <item>a permission error is reported as "permission denied", never as a missing file;</item>
/// <item>a file is read with a size limit, checked before it is read.</item>
/// </list>
/// Each failure is raised through the reader's own exception (the <c>fail</c> argument, given the reason and any inner exception), whose message names the file;
/// the reason given here describes the file and never quotes its bytes.
/// </summary>
public static class InputFile
{
    /// <summary>The limit for a configuration file (config.json, generation_config.json, adapter_config.json, profiles): real ones are under 100 KB.</summary>
    public const long MaxConfigBytes = 16L << 20;

    /// <summary>The limit for a sharded checkpoint's index: real ones are under 2 MB.</summary>
    public const long MaxIndexBytes = 64L << 20;

    private const int MaxLinkHops = 40;

    /// <summary>
    /// True when anything is at <paramref name="path"/>: a file, a folder, a FIFO, a device, a dangling symbolic link, or a
    /// path that cannot be examined for lack of permission. A reader then opens it and says what is wrong with it, rather
    /// than calling it missing.
    /// </summary>
    public static bool IsPresent(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (LinkTarget(path) is not null)
        {
            return true;
        }

        return FileKindProbe.Probe(path) != FileKind.Missing;
    }

    /// <summary>
    /// Checks <paramref name="path"/> against the policy and returns the real path to open (links resolved).
    /// <paramref name="root"/> is the folder the file must stay inside (a model folder the reader looked in); null for a file
    /// the user named themselves, whose links may lead anywhere.
    /// </summary>
    public static string Check(string path, string? root, Func<string, Exception?, Exception> fail)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(fail);
        if (FileKindProbe.Probe(path) == FileKind.PermissionDenied)
        {
            throw fail("cannot be read: permission denied (a folder on its path cannot be searched)", null);
        }

        var isLink = LinkTarget(path) is not null;
        string real;
        try
        {
            real = Resolve(path);
        }
        catch (IOException)
        {
            throw fail("is a symbolic link that does not resolve (a loop, or more than 40 links)", null);
        }

        var kind = FileKindProbe.Probe(real);
        if (isLink && kind == FileKind.Missing)
        {
            throw fail($"is a symbolic link to '{real}', which does not exist", null);
        }

        if (root is not null && !AllowedRoots(root).Any(allowed => IsUnder(real, allowed)))
        {
            throw fail($"resolves (through a symbolic link) to '{real}', outside the model folder {root}: only files inside it are read", null);
        }

        return kind switch
        {
            FileKind.RegularFile or FileKind.Unknown => real,
            FileKind.Missing => throw fail("does not exist", null),
            FileKind.PermissionDenied => throw fail("cannot be read: permission denied", null),
            FileKind.Folder => throw fail("is a folder, not a file", null),
            FileKind.Fifo => throw fail("is a named pipe (FIFO), not a regular file: only regular files are read", null),
            FileKind.CharacterDevice or FileKind.BlockDevice => throw fail("is a device, not a regular file: only regular files are read", null),
            _ => throw fail("is a socket, not a regular file: only regular files are read", null),
        };
    }

    /// <summary>Opens <paramref name="path"/> for reading once it passes <see cref="Check"/>; refuses a file above <paramref name="maxBytes"/>.</summary>
    public static FileStream OpenRead(string path, string? root, Func<string, Exception?, Exception> fail, long maxBytes = long.MaxValue)
    {
        var real = Check(path, root, fail);
        FileStream stream;
        try
        {
            stream = new FileStream(real, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw fail("cannot be read: permission denied", e);
        }
        catch (FileNotFoundException e)
        {
            throw fail("does not exist", e);
        }
        catch (IOException e)
        {
            throw fail("cannot be read: " + e.GetType().Name, e);
        }

        if (stream.Length > maxBytes)
        {
            var length = stream.Length;
            stream.Dispose();
            throw fail(string.Create(CultureInfo.InvariantCulture, $"has {length:N0} bytes, more than the {maxBytes:N0} allowed for this kind of file"), null);
        }

        return stream;
    }

    /// <summary>Reads the whole of <paramref name="path"/> (at most <paramref name="maxBytes"/>) under the policy.</summary>
    public static byte[] ReadAllBytes(string path, string? root, long maxBytes, Func<string, Exception?, Exception> fail)
    {
        using var stream = OpenRead(path, root, fail, maxBytes);
        var buffer = new byte[stream.Length];
        try
        {
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return read == buffer.Length ? buffer : buffer[..read];
        }
        catch (IOException e)
        {
            throw fail("cannot be read: " + e.GetType().Name, e);
        }
    }

    /// <summary>Reads <paramref name="path"/> as UTF-8 text (a byte-order mark is skipped) under the policy.</summary>
    public static string ReadAllText(string path, string? root, long maxBytes, Func<string, Exception?, Exception> fail)
    {
        var bytes = ReadAllBytes(path, root, maxBytes, fail);
        var span = bytes.AsSpan();
        if (span.StartsWith(Encoding.UTF8.Preamble))
        {
            span = span[Encoding.UTF8.Preamble.Length..];
        }

        return Encoding.UTF8.GetString(span);
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IEnumerable<string> AllowedRoots(string folder)
    {
        var real = Resolve(folder);
        yield return real;
        var parent = Path.GetDirectoryName(real);
        if (parent is not null && Path.GetFileName(parent) == "snapshots" && Path.GetDirectoryName(parent) is { } repository)
        {
            yield return Path.Combine(repository, "blobs");
        }
    }

    private static bool IsUnder(string path, string folder)
    {
        var prefix = folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal);
    }

    /// <summary>The path with every symbolic link of every component resolved (like <c>realpath</c>, but a missing tail is kept).</summary>
    private static string Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full)!;
        var pending = new Stack<string>(Split(full[current.Length..]).Reverse());
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Combine(current, part);
            var target = LinkTarget(next);
            if (target is null)
            {
                current = next;
                continue;
            }

            if (++hops > MaxLinkHops)
            {
                throw new IOException("too many symbolic links");
            }

            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target)!;
                target = target[current.Length..];
            }

            foreach (var piece in Split(target).Reverse())
            {
                pending.Push(piece);
            }
        }

        return current;
    }

    private static string[] Split(string path) => path.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
}
