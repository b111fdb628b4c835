using System.Runtime.Versioning;
using System.Text;

namespace Air780Bridge.Twin.Link;

/// <summary>A Linux pseudo-terminal pair in raw mode: the master the module side reads and writes, and the slave
/// path (/dev/pts/N) a client opens.</summary>
[SupportedOSPlatform("linux")]
internal sealed class RawPty : IDisposable
{
    // Held open so reads on the master do not fail with EIO while no client has the port open.
    private readonly int _keeper;

    private RawPty(int master, int keeper, string path)
    {
        Master = master;
        _keeper = keeper;
        Path = path;
    }

    public int Master { get; }
    public string Path { get; }

    public static RawPty Open()
    {
        var master = PtyNative.posix_openpt(PtyNative.O_RDWR | PtyNative.O_NOCTTY);
        if (master < 0) throw PtyNative.Error("posix_openpt");
        var keeper = -1;
        try
        {
            if (PtyNative.grantpt(master) != 0) throw PtyNative.Error("grantpt");
            if (PtyNative.unlockpt(master) != 0) throw PtyNative.Error("unlockpt");
            var name = new byte[128];
            if (PtyNative.ptsname_r(master, name, (nuint)name.Length) != 0) throw PtyNative.Error("ptsname_r");
            var path = Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
            keeper = PtyNative.open(path, PtyNative.O_RDWR | PtyNative.O_NOCTTY);
            if (keeper < 0) throw PtyNative.Error($"open {path}");
            // termios is shared by both ends; making it raw before anyone opens the path means no client ever
            // sees echo, CR/LF translation or ^C/XON/XOFF handling.
            var termios = new byte[256];
            if (PtyNative.tcgetattr(keeper, termios) != 0) throw PtyNative.Error("tcgetattr");
            PtyNative.cfmakeraw(termios);
            if (PtyNative.tcsetattr(keeper, PtyNative.TCSANOW, termios) != 0) throw PtyNative.Error("tcsetattr");
            return new RawPty(master, keeper, path);
        }
        catch
        {
            if (keeper >= 0) PtyNative.close(keeper);
            PtyNative.close(master);
            throw;
        }
    }

    public void Dispose()
    {
        PtyNative.close(_keeper);
        PtyNative.close(Master);
    }
}
