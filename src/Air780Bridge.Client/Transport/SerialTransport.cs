using System.Globalization;
using System.IO.Ports;
using System.Text.RegularExpressions;
using Serilog;

namespace Air780Bridge.Client.Transport;

/// <summary>
/// <c>serial://PORT[?baud=N&amp;dtr=on|off]</c>: the module's USB virtual serial port or a UART. PORT is a device path
/// (/dev/ttyACM0, hence three slashes), a Windows name (COM3), or <c>auto</c> for the one LuatOS agent port plugged in.
/// A bare COM3 or /dev/ttyACM0 means the same.
/// </summary>
public sealed partial class SerialTransport : ITransport
{
    public const string Name = "serial";
    public const string Auto = "auto";

    public string Scheme => Name;

    /// <summary>Every platform's form, this platform's first: a rig file or a script may be written on another OS.</summary>
    public IReadOnlyList<string> Examples { get; } =
    [
        .. new[] { (OperatingSystem.IsWindows(), "COM3 (Windows)"), (OperatingSystem.IsMacOS(), "serial:///dev/cu.usbmodem1101 (macOS)"), (OperatingSystem.IsLinux(), "serial:///dev/ttyACM0 (Linux)") }
            .OrderByDescending(e => e.Item1).Select(e => e.Item2),
        "serial://auto (the one LuatOS agent port)",
    ];

    public IReadOnlyList<string> Options { get; } = ["baud=N", "dtr=on|off"];

    public bool ClaimsBare(string text) => text.StartsWith('/') || WindowsPort().IsMatch(text);

    public LinkAddress Parse(string text, string target, IReadOnlyDictionary<string, string> options)
    {
        if (target.Length == 0)
            throw new FormatException($"connection string \"{text}\" names no port; write serial:///dev/ttyACM0 (Linux), serial://COM3 (Windows), serial:///dev/cu.usbmodem1101 (macOS) or serial://auto");
        var baud = LinkAddress.DefaultBaud;
        if (options.TryGetValue("baud", out var b) && !(int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out baud) && baud > 0))
            throw new FormatException($"connection string \"{text}\" has baud \"{b}\"; use a positive number such as baud=115200");
        var dtr = !options.TryGetValue("dtr", out var d) || d switch
        {
            "on" => true,
            "off" => false,
            _ => throw new FormatException($"connection string \"{text}\" has dtr \"{d}\"; use dtr=on or dtr=off"),
        };
        return new LinkAddress(Name, target, 0, baud, dtr);
    }

    // Opening can block (a USB port that is re-enumerating), so it runs off the caller's thread.
    public Task<Stream> OpenAsync(LinkAddress address, ILogger log, CancellationToken ct) => Task.Run(() => OpenPort(address, log), ct);

    private static Stream OpenPort(LinkAddress address, ILogger log)
    {
        var port = address.Target.Equals(Auto, StringComparison.OrdinalIgnoreCase) ? FindAgentPort() : address.Target;
        if (!OperatingSystem.IsWindows() && !File.Exists(port))
            throw new LinkUnavailableException($"serial port {port} does not exist; available: {string.Join(", ", SerialPort.GetPortNames().DefaultIfEmpty("none"))} " +
                "(`air780 ports` marks LuatOS modules)");
        try
        {
            return Open(port, address.Baud, dtr: address.Dtr);
        }
        catch (IOException e) when (address.Dtr)
        {
            // Ptys and some adapters have no modem lines ("Inappropriate ioctl for device"); the data path works without DTR.
            log.Debug("DTR not available on {Port} ({Reason}); opening without it", port, e.Message);
            try
            {
                return Open(port, address.Baud, dtr: false);
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
                throw Unavailable(port, again);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unavailable(port, e);
        }
    }

    private static string FindAgentPort()
    {
        var ports = SerialPorts.List();
        var agents = ports.Where(p => p.IsLuatosAgent).ToList();
        return agents.Count switch
        {
            1 => agents[0].Name,
            0 => throw new LinkUnavailableException("serial://auto found no LuatOS agent port (USB VID 19D1, interface 6)" +
                 (ports.Count == 0 ? " and no serial port at all; is the module plugged in and powered?" : $" among {string.Join(", ", ports.Select(p => p.Name))}; name the port, e.g. {ports[0].Name}")),
            _ => throw new LinkUnavailableException($"serial://auto found {agents.Count} LuatOS agent ports ({string.Join(", ", agents.Select(p => p.Name))}); name one, e.g. serial://{agents[0].Name}"),
        };
    }

    private static Stream Open(string name, int baud, bool dtr)
    {
        // The Air780 USB port only sends to the PC after DTR is asserted (or the PC wrote first).
        var port = new SerialPort(name, baud) { DtrEnable = dtr, ReadTimeout = SerialPort.InfiniteTimeout, WriteTimeout = 5000 };
        try
        {
            port.Open();
        }
        catch
        {
            port.Dispose();
            throw;
        }
        return new SerialPortStream(port);
    }

    /// <summary>Tells a port in use or without permission apart from a path that is no serial port at all (/dev/null).</summary>
    private static LinkUnavailableException Unavailable(string port, Exception e)
    {
        if (!OperatingSystem.IsWindows() && OpensAsPlainFile(port))
            // The runtime reports this as "access denied", which would send the user after permissions.
            return new LinkUnavailableException($"{port} is not a serial port (it opens as a file, not as a terminal device); `air780 ports` lists the serial ports", e);
        return e is UnauthorizedAccessException
            ? new LinkUnavailableException($"no permission to open {port} ({e.Message}); " +
                (OperatingSystem.IsLinux() ? "add your user to the dialout group, or " : "") + "the port is in use by another program (LuaTools?)", e)
            : new LinkUnavailableException($"cannot open {port}: {e.Message}; is another program (LuaTools, a terminal) using the port?", e);
    }

    private static bool OpensAsPlainFile(string path)
    {
        if (SerialPorts.IsTerminal(path))
            return false;
        try
        {
            using var _ = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^(\\\\\.\\)?COM\d+$", RegexOptions.IgnoreCase)]
    private static partial Regex WindowsPort();

    /// <summary>Owns the SerialPort so disposing the stream closes the port.</summary>
    private sealed class SerialPortStream(SerialPort port) : Stream
    {
        private readonly Stream _inner = port.BaseStream;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => _inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => _inner.ReadAsync(buffer, ct);
        public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => _inner.WriteAsync(buffer, ct);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                // The stream first: on Unix SerialPort.Dispose flushes, and its Flush spins until the write queue is
                // empty, which is forever once the port's I/O loop has stopped on an error (a vanished port) with writes
                // still queued. Closing the stream fails those writes and closes the handle, so the port skips its Flush.
                _inner.Dispose();
                port.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
