using System.Runtime.InteropServices;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// Reads data files only when they are regular files within a size limit (issue #11, item 5). Decisions:
/// 1. The file's type comes from <c>statx</c> (Linux; its layout is the same on every architecture): character and
///    block devices (/dev/zero, /dev/urandom), FIFOs and sockets are refused before they are opened, since opening a
///    FIFO blocks and reading a device never ends; a directory is "a directory", not "does not exist".
/// 2. The size limit is checked before reading, and reading stops one byte past it anyway: files in /proc report
///    size 0 but hold content, and a file may grow while it is read.
/// 3. Messages name the file, the limit and what to change; they never quote the file's bytes.
/// </summary>
public static class RegularFile
{
    /// <summary>What a path names.</summary>
    public enum Kind
    {
        Missing,
        Regular,
        Directory,
        CharacterDevice,
        BlockDevice,
        Fifo,
        Socket,
        Other,
    }

    /// <summary>The kind of <paramref name="path"/>, following symbolic links.</summary>
    public static Kind KindOf(string path)
    {
        if (Directory.Exists(path))
            return Kind.Directory;
        if (!File.Exists(path))
            return Kind.Missing;
        return StatxMode(path) switch
        {
            null => Kind.Regular, // no statx (not Linux): the bounded read below still caps what is read
            int mode => (mode & 0xF000) switch
            {
                0x8000 => Kind.Regular,
                0x4000 => Kind.Directory,
                0x2000 => Kind.CharacterDevice,
                0x6000 => Kind.BlockDevice,
                0x1000 => Kind.Fifo,
                0xC000 => Kind.Socket,
                _ => Kind.Other,
            },
        };
    }

    /// <summary>
    /// Throws a <see cref="DataFormatException"/> at <paramref name="location"/> unless <paramref name="path"/> is a
    /// regular file of at most <paramref name="maxBytes"/> bytes; returns its length. <paramref name="what"/> names
    /// the file in messages ("image file"); <paramref name="limitName"/> names the setting that holds the limit.
    /// </summary>
    public static long Require(
        string path,
        DataLocation location,
        long maxBytes,
        string what,
        string limitName,
        string missingHint = "check the path"
    )
    {
        switch (KindOf(path))
        {
            case Kind.Missing:
                throw new DataFormatException(location, $"{what} '{path}' does not exist; {missingHint}.");
            case Kind.Directory:
                throw new DataFormatException(location, $"{what} '{path}' is a directory; give the path of a file.");
            case Kind.Regular:
                break;
            case var kind:
                throw new DataFormatException(
                    location,
                    $"{what} '{path}' is a {Describe(kind)}, not a regular file; give the path of a regular file."
                );
        }
        long length = new FileInfo(path).Length;
        if (length > maxBytes)
            throw new DataFormatException(
                location,
                $"{what} '{path}' has {length} bytes, more than the limit of {maxBytes} ({limitName})."
            );
        return length;
    }

    /// <summary>Opens a regular file for sequential reading after <see cref="Require"/>.</summary>
    public static FileStream OpenRead(string path, DataLocation location, long maxBytes, string what, string limitName)
    {
        Require(path, location, maxBytes, what, limitName);
        return Open(path, location, what);
    }

    /// <summary>The whole file, refusing one that is not regular or holds more than <paramref name="maxBytes"/>
    /// bytes.</summary>
    public static byte[] ReadAllBytes(
        string path,
        DataLocation location,
        long maxBytes,
        string what,
        string limitName,
        string missingHint = "check the path"
    )
    {
        long length = Require(path, location, maxBytes, what, limitName, missingHint);
        using FileStream stream = Open(path, location, what);
        using var buffer = new MemoryStream((int)Math.Min(length, int.MaxValue));
        var chunk = new byte[81_920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                throw new DataFormatException(
                    location,
                    $"{what} '{path}' holds more than the limit of {maxBytes} bytes ({limitName}); give a regular "
                        + $"file within the limit."
                );
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static FileStream Open(string path, DataLocation location, string what)
    {
        try
        {
            return new FileStream(
                path,
                FileMode.Open,
                FileAccess.Read,
                FileShare.Read,
                bufferSize: 1,
                FileOptions.SequentialScan
            );
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new DataFormatException(
                location,
                $"{what} '{path}' cannot be opened ({e.GetType().Name}); check its permissions.",
                e
            );
        }
    }

    private static string Describe(Kind kind) =>
        kind switch
        {
            Kind.CharacterDevice => "character device",
            Kind.BlockDevice => "block device",
            Kind.Fifo => "FIFO (named pipe)",
            Kind.Socket => "socket",
            _ => "special file",
        };

    /// <summary>stx_mode of <c>statx(AT_FDCWD, path, 0, STATX_TYPE)</c>, or null where statx is unavailable.</summary>
    private static int? StatxMode(string path)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        var buffer = new byte[256]; // struct statx: 256 bytes on every architecture; stx_mode is the u16 at offset 28
        try
        {
            return Statx(AtCurrentDirectory, path, 0, StatxType, buffer) == 0
                ? BitConverter.ToUInt16(buffer, 28)
                : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    private const int AtCurrentDirectory = -100;
    private const uint StatxType = 0x1;

    [DllImport("libc.so.6", EntryPoint = "statx", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(
        int directory,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
        int flags,
        uint mask,
        byte[] buffer
    );
}
