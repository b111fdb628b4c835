namespace Air780Bridge.Station;

/// <summary>
/// One lock file per module port, so two `air780` processes (two stations, a station and a run) never open
/// the same port: the second is told who holds it instead of fighting over the bytes. The OS releases the
/// lock when the holder exits, even on a crash, so a stale file never blocks a port.
/// </summary>
public sealed class PortLock : IDisposable
{
    /// <summary>Default folder of the lock files: shared by every user of this PC.</summary>
    public static string DefaultDirectory { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "air780-locks");

    private readonly FileStream _file;

    private PortLock(FileStream file, string path)
    {
        _file = file;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Takes the lock of <paramref name="connection"/>; null with <paramref name="holder"/> saying who has it when it is taken.</summary>
    public static PortLock? TryAcquire(string connection, string holderDescription, out string? holder, string? directory = null)
    {
        var dir = directory ?? DefaultDirectory;
        Directory.CreateDirectory(dir);
        var path = System.IO.Path.Combine(dir, FileName(connection));
        try
        {
            // FileShare.None is an exclusive flock(2) on Unix and a sharing lock on Windows, both dropped when the process dies.
            var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            // Who holds it goes next to the lock: the locked file itself cannot be read by the process that is refused.
            File.WriteAllText(path + ".holder", $"{holderDescription} (pid {Environment.ProcessId}, since {DateTimeOffset.UtcNow:u})");
            holder = null;
            return new PortLock(file, path);
        }
        catch (IOException)
        {
            holder = ReadHolder(path);
            return null;
        }
    }

    private static string ReadHolder(string path)
    {
        try
        {
            return File.ReadAllText(path + ".holder").Trim() is { Length: > 0 } text ? text : $"another process (lock file {path})";
        }
        catch (IOException)
        {
            return $"another process (lock file {path})";
        }
    }

    /// <summary>serial:///dev/ttyACM0 -> serial___dev_ttyACM0.lock; the same port always maps to the same file.</summary>
    public static string FileName(string connection)
    {
        var key = connection.Split('?')[0];
        var chars = key.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_').ToArray();
        return new string(chars) + ".lock";
    }

    public void Dispose() => _file.Dispose();
}
