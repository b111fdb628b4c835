using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

namespace Air780Bridge.Twin.Link;

/// <summary>
/// The module's serial channel as a Linux pseudo-terminal in raw mode, published under a stable symlink
/// (default /tmp/air780-twin/&lt;name&gt;) that survives unplug/replug.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PtyLink : TwinSerialLink
{
    public const string DefaultDirectory = "/tmp/air780-twin";

    private int _master = -1;
    // Held open by the twin so reads on the master do not fail with EIO while no client has the port open.
    private int _slaveKeeper = -1;
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
        var master = PtyNative.posix_openpt(PtyNative.O_RDWR | PtyNative.O_NOCTTY);
        if (master < 0) throw PtyNative.Error("posix_openpt");
        try
        {
            if (PtyNative.grantpt(master) != 0) throw PtyNative.Error("grantpt");
            if (PtyNative.unlockpt(master) != 0) throw PtyNative.Error("unlockpt");
            var nameBuf = new byte[128];
            if (PtyNative.ptsname_r(master, nameBuf, (nuint)nameBuf.Length) != 0) throw PtyNative.Error("ptsname_r");
            var device = Encoding.ASCII.GetString(nameBuf, 0, Array.IndexOf(nameBuf, (byte)0));
            var slave = PtyNative.open(device, PtyNative.O_RDWR | PtyNative.O_NOCTTY);
            if (slave < 0) throw PtyNative.Error($"open {device}");
            // termios is shared by both ends; making it raw before publishing the path means no client ever
            // sees echo, CR/LF translation or ^C/XON/XOFF handling.
            var termios = new byte[256];
            if (PtyNative.tcgetattr(slave, termios) != 0) { PtyNative.close(slave); throw PtyNative.Error("tcgetattr"); }
            PtyNative.cfmakeraw(termios);
            if (PtyNative.tcsetattr(slave, PtyNative.TCSANOW, termios) != 0) { PtyNative.close(slave); throw PtyNative.Error("tcsetattr"); }
            var wake = new int[2];
            if (PtyNative.pipe(wake) != 0) { PtyNative.close(slave); throw PtyNative.Error("pipe"); }
            _master = master; _slaveKeeper = slave; _wake = wake; DevicePath = device;
        }
        catch
        {
            PtyNative.close(master);
            throw;
        }
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
        PtyNative.close(_slaveKeeper);
        PtyNative.close(_master);
        PtyNative.close(_wake[0]);
        PtyNative.close(_wake[1]);
        _master = _slaveKeeper = -1;
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

    private static class PtyNative
    {
        public const int O_RDWR = 2, O_NOCTTY = 0x100, TCSANOW = 0, EINTR = 4, EAGAIN = 11;
        public const short POLLIN = 1, POLLOUT = 4;

        [StructLayout(LayoutKind.Sequential)]
        public struct PollFd { public int fd; public short events; public short revents; }

        [DllImport("libc", SetLastError = true)] public static extern int posix_openpt(int flags);
        [DllImport("libc", SetLastError = true)] public static extern int grantpt(int fd);
        [DllImport("libc", SetLastError = true)] public static extern int unlockpt(int fd);
        [DllImport("libc", SetLastError = true)] public static extern int ptsname_r(int fd, byte[] buf, nuint len);
        [DllImport("libc", SetLastError = true)] public static extern int tcgetattr(int fd, byte[] termios);
        [DllImport("libc")] public static extern void cfmakeraw(byte[] termios);
        [DllImport("libc", SetLastError = true)] public static extern int tcsetattr(int fd, int action, byte[] termios);
        [DllImport("libc", SetLastError = true)] public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
        [DllImport("libc", SetLastError = true)] public static extern nint read(int fd, byte[] buf, nint count);
        [DllImport("libc", SetLastError = true)] public static extern nint write(int fd, byte[] buf, nint count);
        [DllImport("libc", SetLastError = true)] public static extern int close(int fd);
        [DllImport("libc", SetLastError = true)] public static extern int pipe(int[] fds);
        [DllImport("libc", SetLastError = true)] public static extern int poll([In, Out] PollFd[] fds, nuint nfds, int timeout);

        public static Win32Exception Error(string call) =>
            new(Marshal.GetLastPInvokeError(), $"{call} failed while creating the twin's pseudo-terminal");
    }
}
