using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Air780Bridge.Twin.Link;

namespace Air780Bridge.Twin.Tests.Link;

public sealed class LinkTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "air780-twin-test-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    // The test project has no System.IO.Ports reference, so the client side opens the symlink as a plain
    // character device; the twin already put the pty in raw mode, which is what matters here.
    private static FileStream OpenPty(string path) => new(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 0, FileOptions.None);

    [Fact, SupportedOSPlatform("linux")]
    public async Task Pty_round_trip_carries_64KiB_of_every_byte_value_unchanged()
    {
        var module = new EchoModule();
        using var link = new PtyLink(module, "rt", _dir);
        Assert.Equal($"serial://{_dir}/rt", link.ConnectionString);
        Assert.StartsWith("/dev/pts/", File.ResolveLinkTarget(link.SymlinkPath, false)!.FullName);

        using var port = OpenPty(link.SymlinkPath);
        var payload = StreamExtensions.AllByteValues(70_000);
        // Write and read concurrently: the pty buffers are only a few KiB.
        var reading = port.ReadExactlyAsync(payload.Length, Timeout);
        var writing = Task.Run(() => { port.Write(payload); port.Flush(); });
        var echoed = await reading;
        await writing;

        Assert.Equal(payload, echoed);
        lock (module.TransferSizes) Assert.All(module.TransferSizes, n => Assert.InRange(n, 1, TwinSerialLink.MaxTransfer));
    }

    [Fact]
    public async Task Tcp_round_trip_and_a_second_client_replaces_the_first()
    {
        var module = new EchoModule();
        using var link = new TcpLink(module, "tcp");
        Assert.Equal($"tcp://127.0.0.1:{link.Port}", link.ConnectionString);

        using var first = new TcpClient();
        await first.ConnectAsync("127.0.0.1", link.Port);
        var payload = StreamExtensions.AllByteValues(5000);
        await first.GetStream().WriteAsync(payload);
        Assert.Equal(payload, await first.GetStream().ReadExactlyAsync(payload.Length, Timeout));

        using var second = new TcpClient();
        await second.ConnectAsync("127.0.0.1", link.Port);
        // The first client sees end of stream once replaced.
        using var cts = new CancellationTokenSource(Timeout);
        Assert.Equal(0, await first.GetStream().ReadAsync(new byte[16], cts.Token));
        await second.GetStream().WriteAsync("AT\r\n"u8.ToArray());
        Assert.Equal("AT\r\n"u8.ToArray(), await second.GetStream().ReadExactlyAsync(4, Timeout));
    }

    [Fact]
    public async Task Memory_round_trip_a_new_host_stream_replaces_the_first_and_unplug_ends_it()
    {
        var module = new EchoModule();
        using var link = new MemoryLink(module, "mem");
        Assert.Equal("memory://mem", link.ConnectionString);
        var first = link.OpenHostStream();
        var payload = StreamExtensions.AllByteValues(70_000);
        await first.WriteAsync(payload);
        Assert.Equal(payload, await first.ReadExactlyAsync(payload.Length, Timeout));
        lock (module.TransferSizes) Assert.All(module.TransferSizes, n => Assert.InRange(n, 1, TwinSerialLink.MaxTransfer));

        var second = link.OpenHostStream();
        using (var cts = new CancellationTokenSource(Timeout))
            Assert.Equal(0, await first.ReadAsync(new byte[16], cts.Token));
        Assert.Throws<IOException>(() => first.Write("AT"u8));
        await second.WriteAsync("AT\r\n"u8.ToArray());
        Assert.Equal("AT\r\n"u8.ToArray(), await second.ReadExactlyAsync(4, Timeout));

        link.Unplug();
        using (var cts = new CancellationTokenSource(Timeout))
            Assert.Equal(0, await second.ReadAsync(new byte[16], cts.Token));
        var refused = Assert.Throws<IOException>(() => link.OpenHostStream());
        Assert.Contains("mem is unplugged", refused.Message);
        link.Replug();
        using var third = link.OpenHostStream();
        await third.WriteAsync("ok"u8.ToArray());
        Assert.Equal("ok"u8.ToArray(), await third.ReadExactlyAsync(2, Timeout));
    }

    [Fact]
    public async Task Pacing_holds_the_rate_near_baud_over_ten()
    {
        var module = new EchoModule();
        using var link = new TcpLink(module, "paced", conditioner: new LinkConditioner { Baud = 9600 });
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", link.Port);
        await WaitConnected(client);

        var payload = new byte[2000];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < payload.Length; i += 100) module.Write(payload[i..(i + 100)]);
        await client.GetStream().ReadExactlyAsync(payload.Length, Timeout);
        clock.Stop();

        var rate = payload.Length / clock.Elapsed.TotalSeconds;
        Assert.InRange(rate, 960 * 0.5, 960 * 1.5);
    }

    [Fact]
    public async Task Loss_and_bit_flips_follow_the_seeded_rates()
    {
        var module = new EchoModule();
        var conditioner = new LinkConditioner(seed: 42);
        using var link = new TcpLink(module, "faulty", conditioner: conditioner);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", link.Port);
        await WaitConnected(client);

        conditioner.LossRate = 0.1;
        conditioner.BitFlipRate = 0.05;
        const int sent = 20_000;
        module.Write(new byte[sent]);
        // The whole write is one chunk, faulted before its first byte leaves, so BytesLost is final once a byte arrives.
        var first = await client.GetStream().ReadExactlyAsync(1, Timeout);
        var rest = await client.GetStream().ReadExactlyAsync(sent - (int)conditioner.BytesLost - 1, Timeout);
        var received = first.Concat(rest).ToArray();

        Assert.InRange(conditioner.BytesLost, sent * 0.08, sent * 0.12);
        var flippedBits = received.Sum(b => System.Numerics.BitOperations.PopCount(b));
        Assert.Equal(conditioner.BitsFlipped, flippedBits);
        Assert.InRange(flippedBits, received.Length * 0.035, received.Length * 0.065);
    }

    [Fact]
    public async Task Latency_delays_delivery_by_at_least_the_setting()
    {
        var module = new EchoModule();
        using var link = new TcpLink(module, "slow");
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", link.Port);
        await WaitConnected(client);

        link.Conditioner.Latency = TimeSpan.FromMilliseconds(200);
        var clock = Stopwatch.StartNew();
        module.Write([1, 2, 3]);
        await client.GetStream().ReadExactlyAsync(3, Timeout);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(195), $"delivered after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact, SupportedOSPlatform("linux")]
    public async Task Pty_unplug_removes_the_path_and_replug_restores_it()
    {
        var module = new EchoModule();
        using var link = new PtyLink(module, "plug", _dir);
        using (var port = OpenPty(link.SymlinkPath))
        {
            var pending = port.ReadAsync(new byte[1]).AsTask();
            link.Unplug();
            Assert.Empty(Directory.GetFileSystemEntries(_dir));
            // A client blocked in read sees the device vanish: end of file or an I/O error, never data.
            try { Assert.Equal(0, await pending.WaitAsync(Timeout)); }
            catch (IOException) { }
        }

        module.Write([9, 9]);
        Assert.True(SpinWait.SpinUntil(() => link.DroppedWhileUnplugged == 2, Timeout), "bytes written while unplugged are counted as dropped");
        link.Replug();
        Assert.True(File.Exists(link.SymlinkPath));
        Assert.NotEqual("", link.DevicePath);
        using var again = OpenPty(link.SymlinkPath);
        again.Write([5, 6, 7]);
        Assert.Equal(new byte[] { 5, 6, 7 }, await again.ReadExactlyAsync(3, Timeout));
    }

    [Fact]
    public async Task Tcp_unplug_drops_the_client_and_replug_listens_on_the_same_port()
    {
        var module = new EchoModule();
        using var link = new TcpLink(module, "tplug");
        var connection = link.ConnectionString;
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", link.Port);
        await WaitConnected(client);

        link.Unplug();
        using var cts = new CancellationTokenSource(Timeout);
        Assert.Equal(0, await client.GetStream().ReadAsync(new byte[1], cts.Token));
        await Assert.ThrowsAsync<SocketException>(async () => { using var refused = new TcpClient(); await refused.ConnectAsync("127.0.0.1", link.Port); });

        link.Replug();
        Assert.Equal(connection, link.ConnectionString);
        using var again = new TcpClient();
        await again.ConnectAsync("127.0.0.1", link.Port);
        await WaitConnected(again);
    }

    /// <summary>Waits until the link has adopted the client, by echoing a probe byte through the module.</summary>
    private static async Task WaitConnected(TcpClient client)
    {
        await client.GetStream().WriteAsync(new byte[] { 0x55 });
        Assert.Equal(new byte[] { 0x55 }, await client.GetStream().ReadExactlyAsync(1, Timeout));
    }
}
