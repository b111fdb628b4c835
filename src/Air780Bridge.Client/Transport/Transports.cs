using System.IO.Ports;
using System.Net.Sockets;
using Serilog;

namespace Air780Bridge.Client.Transport;

/// <summary>Opens the byte stream behind a <see cref="LinkAddress"/>; failures say what to do about them.</summary>
public static class Transports
{
    public static async Task<Stream> OpenAsync(LinkAddress address, ILogger log, CancellationToken ct) =>
        address.IsSerial ? OpenSerial(address, log) : await OpenTcpAsync(address, ct);

    private static Stream OpenSerial(LinkAddress address, ILogger log)
    {
        if (!OperatingSystem.IsWindows() && !File.Exists(address.Target))
            throw new LinkUnavailableException($"serial port {address.Target} does not exist; available: {string.Join(", ", SerialPort.GetPortNames().DefaultIfEmpty("none"))} " +
                "(`air780 ports` marks LuatOS modules)");
        try
        {
            return Open(address, dtr: address.Dtr);
        }
        catch (IOException e) when (address.Dtr)
        {
            // Ptys and some adapters have no modem lines ("Inappropriate ioctl for device"); the data path works without DTR.
            log.Debug("DTR not available on {Port} ({Reason}); opening without it", address.Target, e.Message);
            try
            {
                return Open(address, dtr: false);
            }
            catch (IOException again)
            {
                throw new LinkUnavailableException($"cannot open {address.Target}: {again.Message}; is another program (LuaTools, a terminal) using the port?", again);
            }
        }
        catch (IOException e)
        {
            throw new LinkUnavailableException($"cannot open {address.Target}: {e.Message}; is another program (LuaTools, a terminal) using the port?", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new LinkUnavailableException($"no permission to open {address.Target} ({e.Message}); add your user to the dialout group, or the port is in use by another program (LuaTools?)");
        }
    }

    private static Stream Open(LinkAddress address, bool dtr)
    {
        // The Air780 USB port only sends to the PC after DTR is asserted (or the PC wrote first).
        var port = new SerialPort(address.Target, address.Baud) { DtrEnable = dtr, ReadTimeout = SerialPort.InfiniteTimeout, WriteTimeout = 5000 };
        port.Open();
        return new SerialPortStream(port);
    }

    private static async Task<Stream> OpenTcpAsync(LinkAddress address, CancellationToken ct)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(address.Target, address.Port, ct);
            return client.GetStream();
        }
        catch (SocketException e)
        {
            client.Dispose();
            throw new LinkUnavailableException($"cannot reach {address}: {e.Message}; is the serial server (ser2net) or `air780 twin --link tcp` running?");
        }
    }

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
                port.Dispose();
            base.Dispose(disposing);
        }
    }
}
