using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Air780Bridge.Twin.Link;

/// <summary>
/// The module's serial channel as a Linux pseudo-terminal in raw mode, published under a stable symlink
/// (default /tmp/air780-twin/&lt;name&gt;) that survives unplug/replug.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PtyLink : TwinSerialLink
{
    public const string DefaultDirectory = "/tmp/air780-twin";

    private RawPty? _pty;
    private int _master => _pty?.Master ?? -1;
    private int[] _wake = [-1, -1];
    private Thread? _reader;
    private volatile bool _open;

    public PtyLink(IModuleSerial serial, string name, string? directory = null, LinkConditioner? conditioner = null)
        : base(serial, conditioner, name)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("PtyLink needs Linux pseudo-terminals; use the tcp link on this OS.");
        if (string.IsNullOrWhiteSpace(name) || name.Contains('/')) throw new ArgumentException($"Link name '{name}' must be a non-empty file name without '/'.", nameof(name));
        var dir = directory ?? DefaultDirectory;
        Directory.CreateDirectory(dir);
        SymlinkPath = Path.Combine(dir, name);
        OpenTransport();
    }

    /// <summary>The stable path clients open.</summary>
    public string SymlinkPath { get; }

    /// <summary>The current /dev/pts/N behind the symlink (changes on replug).</summary>
    public string DevicePath { get; private set; } = "";

    public override string ConnectionString => $"serial://{SymlinkPath}";

    protected override void OpenTransport()
    {
        var pty = RawPty.Open();
        var wake = new int[2];
        if (PtyNative.pipe(wake) != 0)
        {
            var error = PtyNative.Error("pipe");
            pty.Dispose();
            throw error;
        }
        _pty = pty; _wake = wake; DevicePath = pty.Path;
        PublishSymlink();
        _open = true;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"{Name} pty reader" };
        _reader.Start();
    }

    private void PublishSymlink()
    {
        // rename(2) replaces the old link atomically, so the path never points at nothing during replug.
        var temp = SymlinkPath + ".tmp";
        File.Delete(temp);
        File.CreateSymbolicLink(temp, DevicePath);
        File.Move(temp, SymlinkPath, overwrite: true);
    }

    protected override void CloseTransport()
    {
        _open = false;
        PtyNative.write(_wake[1], [1], 1);
        _reader?.Join();
        _reader = null;
        File.Delete(SymlinkPath);
        _pty?.Dispose();
        _pty = null;
        PtyNative.close(_wake[0]);
        PtyNative.close(_wake[1]);
        _wake = [-1, -1];
    }

    private void ReadLoop()
    {
        var fds = new PtyNative.PollFd[]
        {
            new() { fd = _master, events = PtyNative.POLLIN },
            new() { fd = _wake[0], events = PtyNative.POLLIN },
        };
        var buffer = new byte[MaxTransfer];
        while (_open)
        {
            fds[0].revents = fds[1].revents = 0;
            var ready = PtyNative.poll(fds, 2, -1);
            if (ready < 0)
            {
                if (Marshal.GetLastPInvokeError() == PtyNative.EINTR) continue;
                return;
            }
            if (fds[1].revents != 0 || !_open) return;
            if ((fds[0].revents & PtyNative.POLLIN) == 0) continue;
            var n = (int)PtyNative.read(_master, buffer, buffer.Length);
            if (n > 0) OnHostBytes(buffer.AsSpan(0, n));
        }
    }

    protected override bool WriteToHost(byte[] data)
    {
        var offset = 0;
        var pfd = new PtyNative.PollFd[] { new() { fd = _master, events = PtyNative.POLLOUT } };
        while (offset < data.Length)
        {
            if (!_open) return false;
            // Wait for room with a timeout so an unplug is noticed while the client is not reading.
            pfd[0].revents = 0;
            if (PtyNative.poll(pfd, 1, 100) <= 0) continue;
            var n = (int)PtyNative.write(_master, data.AsSpan(offset).ToArray(), data.Length - offset);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() is PtyNative.EINTR or PtyNative.EAGAIN) continue;
                return false;
            }
            offset += n;
        }
        return true;
    }
}
