using System.Runtime.Versioning;
using Air780Bridge.Client.Transport;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Link;
using Serilog;

namespace Air780Bridge.Client.Tests;

/// <summary>The Linux serial stream against a pty whose other end (the twin's <see cref="PtyLink"/>) echoes every byte.</summary>
// The twin's serial side is a Linux pty (PtyLink).
[SupportedOSPlatform("linux")]
public sealed class TermiosStreamTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _dir = new("termios-");
    private readonly PtyLink _link;

    public TermiosStreamTests() => _link = new PtyLink(new Echo(), "echo", _dir.Path);

    public void Dispose()
    {
        _link.Dispose();
        _dir.Dispose();
    }

    /// <summary>Writes back what the host sends, as one module transfer each.</summary>
    private sealed class Echo : IModuleSerial
    {
        public event Action<ReadOnlyMemory<byte>>? ToHost;
        public void DeliverFromHost(ReadOnlySpan<byte> transfer) => ToHost?.Invoke(transfer.ToArray());
    }

    private Task<Stream> OpenAsync(string options = "") =>
        Transports.OpenAsync(LinkAddress.Parse(_link.ConnectionString + options), Log.Logger, CancellationToken.None);

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        using var timeout = new CancellationTokenSource(Wait);
        await stream.ReadExactlyAsync(buffer, timeout.Token);
        return buffer;
    }

    [Fact]
    public async Task A_serial_port_on_linux_opens_as_a_raw_termios_stream()
    {
        await using var stream = await OpenAsync("?baud=921600&dtr=on");
        Assert.IsType<TermiosStream>(stream);
        // Every byte value, with the ones a cooked tty would eat or translate (^C, XON/XOFF, CR, LF, EOF, DEL).
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        await stream.WriteAsync(all);
        await stream.FlushAsync();
        Assert.Equal(all, await ReadExactlyAsync(stream, all.Length));
    }

    [Fact]
    public async Task Writes_larger_than_the_tty_buffers_arrive_whole_and_in_order()
    {
        await using var stream = await OpenAsync();
        var data = Enumerable.Range(0, 256 * 1024).Select(i => (byte)(i * 7 + i / 256)).ToArray();
        // 256 KiB is far beyond the pty's buffers each way, so writes wait for room while the reader drains.
        var read = ReadExactlyAsync(stream, data.Length);
        await stream.WriteAsync(data).AsTask().WaitAsync(Wait);
        Assert.Equal(data, await read);
    }

    [Fact]
    public async Task A_cancelled_read_loses_nothing_that_arrives_afterwards()
    {
        await using var stream = await OpenAsync();
        using var cancel = new CancellationTokenSource();
        var pending = stream.ReadAsync(new byte[16], cancel.Token).AsTask();
        Assert.False(pending.IsCompleted); // nothing was sent, so it waits on the descriptor
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);

        await stream.WriteAsync(new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 2, 3 }, await ReadExactlyAsync(stream, 3));
    }

    [Fact]
    public async Task A_port_that_vanishes_under_a_pending_read_fails_it_with_an_io_error()
    {
        var stream = await OpenAsync();
        var pending = stream.ReadAsync(new byte[16]).AsTask();
        _link.Unplug(); // the pty is gone, as a USB port re-enumerating
        var e = await Assert.ThrowsAsync<IOException>(() => pending.WaitAsync(Wait));
        Assert.Contains(_link.SymlinkPath, e.Message);
        Assert.Contains("vanished", e.Message);
        await Assert.ThrowsAsync<IOException>(() => stream.WriteAsync(new byte[] { 1 }).AsTask());
        await stream.DisposeAsync();

        var gone = await Assert.ThrowsAsync<LinkUnavailableException>(() => OpenAsync());
        Assert.Contains($"serial port {_link.SymlinkPath} does not exist", gone.Message);
        _link.Replug();
        await using var again = await OpenAsync();
        await again.WriteAsync(new byte[] { 9 });
        Assert.Equal(new byte[] { 9 }, await ReadExactlyAsync(again, 1));
    }

    [Fact]
    public async Task Closing_fails_a_pending_read_and_frees_the_port_for_the_next_open()
    {
        var stream = await OpenAsync();
        var pending = stream.ReadAsync(new byte[16]).AsTask();
        await stream.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(Wait));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => stream.ReadAsync(new byte[1]).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => stream.WriteAsync(new byte[1]).AsTask());

        await using var next = await OpenAsync();
        await next.WriteAsync(new byte[] { 7 });
        Assert.Equal(new byte[] { 7 }, await ReadExactlyAsync(next, 1));
    }

    [Fact]
    public async Task A_rate_termios_has_no_constant_for_is_left_to_system_io_ports()
    {
        Assert.False(TermiosStream.Supports(12345));
        await using var stream = await OpenAsync("?baud=12345");
        Assert.IsNotType<TermiosStream>(stream);
        await stream.WriteAsync(new byte[] { 5 });
        Assert.Equal(new byte[] { 5 }, await ReadExactlyAsync(stream, 1));
    }
}
