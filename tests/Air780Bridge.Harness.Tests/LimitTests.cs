using System.Net.Sockets;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Harness.Tap;
using MQTTnet;
using MQTTnet.Protocol;

namespace Air780Bridge.Harness.Tests;

/// <summary>Each tap limit against a hostile peer (closed, counted, on the timeline) and a compliant one beside it (unaffected).</summary>
public class LimitTests
{
    // CONNECT declaring 268,435,455 bytes of body (256 MiB), the largest remaining length MQTT can encode.
    private static readonly byte[] HugeConnectHeader = [0x10, 0xFF, 0xFF, 0xFF, 0x7F];

    private static async Task<TcpClient> Raw(HarnessBroker harness)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(harness.Plain.Host, harness.Plain.Port);
        return tcp;
    }

    /// <summary>Reads until the tap closes the connection (EOF or reset); fails the test on timeout.</summary>
    private static async Task ClosedByTap(TcpClient tcp)
    {
        var buffer = new byte[256];
        try
        {
            while (await tcp.GetStream().ReadAsync(buffer).AsTask().WaitAsync(H.Timeout) > 0) { }
        }
        catch (Exception e) when (e is IOException or SocketException) { }
    }

    /// <summary>Opens a TCP connection the tap must reset at once (the reset may already fail the connect).</summary>
    private static async Task ResetByTap(HarnessBroker harness)
    {
        try
        {
            using var tcp = await Raw(harness);
            await ClosedByTap(tcp);
        }
        catch (SocketException) { }
    }

    private static async Task Ping(IMqttClient client) => await client.PingAsync(new CancellationTokenSource(H.Timeout).Token);

    [Fact]
    public void Decoder_refuses_a_huge_declared_packet_from_its_fixed_header_and_holds_none_of_it()
    {
        var decoder = new MqttDecoder(1 << 20);
        var frames = new List<MqttFrame>();
        // The header split across reads, then 1 MiB of body streaming in.
        decoder.Feed(HugeConnectHeader.AsSpan(0, 2), "c1", "up", frames);
        Assert.Empty(frames);
        decoder.Feed(HugeConnectHeader.AsSpan(2), "c1", "up", frames);
        var refused = Assert.Single(frames);
        Assert.Equal((-1, "violation", "packet-too-large", "10FFFFFF7F"), (refused.Type, refused.Entry.Kind, refused.Entry.Type, refused.Entry.Raw));
        Assert.Contains("268435460 bytes", refused.Entry.Detail);
        for (var i = 0; i < 64; i++) decoder.Feed(new byte[16384], "c1", "up", frames);
        Assert.Equal((1, 0), (frames.Count, decoder.Buffered));
    }

    [Fact]
    public void Decoder_reassembles_a_packet_at_the_limit_from_small_reads()
    {
        const int limit = 70_000;
        var decoder = new MqttDecoder(limit);
        // PUBLISH QoS 0, topic "t", payload filling the packet to exactly the limit: header 4 bytes (3-byte length).
        var payload = limit - 4 - 3;
        var body = new List<byte> { 0x00, 0x01, (byte)'t' };
        body.AddRange(new byte[payload]);
        var remaining = body.Count;
        byte[] packet = [0x30, (byte)(remaining & 0x7F | 0x80), (byte)((remaining >> 7) & 0x7F | 0x80), (byte)(remaining >> 14), .. body, 0xC0, 0x00];
        var frames = new List<MqttFrame>();
        for (var i = 0; i < packet.Length; i += 1000) decoder.Feed(packet.AsSpan(i, Math.Min(1000, packet.Length - i)), "c1", "up", frames);
        Assert.Equal(["PUBLISH", "PINGREQ"], frames.Select(f => f.Entry.Type));
        Assert.Equal((limit, payload), (frames[0].Bytes.Length, frames[0].Entry.PayloadSize!.Value));
        Assert.Equal(packet, frames.SelectMany(f => f.Bytes));
    }

    [Fact]
    public async Task A_huge_connect_is_closed_counted_and_recorded_while_a_large_compliant_publish_passes()
    {
        await using var harness = await H.Start(new HarnessSettings { Limits = new TapLimits { MaxPacketSize = 64 * 1024 } });
        using var compliant = await H.Connect(harness, "ok");
        var received = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        compliant.ApplicationMessageReceivedAsync += e => { received.TrySetResult((int)e.ApplicationMessage.Payload.Length); return Task.CompletedTask; };
        await compliant.SubscribeAsync("big");

        using var hostile = await Raw(harness);
        await hostile.GetStream().WriteAsync(HugeConnectHeader);
        await hostile.GetStream().WriteAsync(new byte[32 * 1024]);
        await ClosedByTap(hostile);

        var violation = await harness.Timeline.WaitForAsync(e => e is { Kind: "violation", Type: "packet-too-large" }, H.Timeout);
        Assert.Equal(1, harness.Violations["packet-too-large"]);
        Assert.Contains("above the maximum packet size of 65536", violation.Detail);
        Assert.DoesNotContain(harness.Timeline.Snapshot(), e => e.Type == "CONNECT" && e.Conn == violation.Conn);

        await compliant.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("big").WithPayload(new byte[60 * 1024]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(60 * 1024, await received.Task.WaitAsync(H.Timeout));
        Assert.True(compliant.IsConnected);
    }

    [Fact]
    public async Task A_silent_connection_is_closed_at_the_connect_timeout_while_a_connected_client_stays()
    {
        await using var harness = await H.Start(new HarnessSettings { Limits = new TapLimits { ConnectTimeout = TimeSpan.FromMilliseconds(500) } });
        using var hostile = await Raw(harness);
        // Half a CONNECT, then nothing (slowloris).
        await hostile.GetStream().WriteAsync(new byte[] { 0x10, 0x20, 0x00, 0x04 });
        using var compliant = await H.Connect(harness, "ok");
        await ClosedByTap(hostile);

        var violation = await harness.Timeline.WaitForAsync(e => e is { Kind: "violation", Type: "connect-timeout" }, H.Timeout);
        Assert.Equal(1, harness.Violations["connect-timeout"]);
        await harness.Timeline.WaitForAsync(e => e.Kind == "connection" && e.Type == "close" && e.Conn == violation.Conn, H.Timeout);
        // The hostile connection's deadline has passed; the compliant one sent CONNECT and is untouched.
        await Ping(compliant);
        Assert.Single(harness.Violations);
    }

    [Fact]
    public async Task Connections_past_the_limit_are_reset_counted_and_recorded_while_open_ones_go_on()
    {
        await using var harness = await H.Start(new HarnessSettings { Limits = new TapLimits { MaxConnections = 2 } });
        using var first = await H.Connect(harness, "a");
        using var second = await H.Connect(harness, "b");
        await ResetByTap(harness);
        var violation = await harness.Timeline.WaitForAsync(e => e is { Kind: "violation", Type: "connection-limit" }, H.Timeout);
        Assert.Contains("the limit is 2", violation.Detail);
        Assert.Equal(1, harness.Violations["connection-limit"]);
        await Ping(first);
        await Ping(second);
    }

    [Fact]
    public async Task Connections_past_the_per_address_limit_are_reset_and_a_slot_frees_when_one_closes()
    {
        await using var harness = await H.Start(new HarnessSettings { Limits = new TapLimits { MaxConnectionsPerAddress = 1 } });
        var first = await H.Connect(harness, "a");
        await ResetByTap(harness);
        await harness.Timeline.WaitForAsync(e => e is { Kind: "violation", Type: "address-limit" }, H.Timeout);
        Assert.Equal(1, harness.Violations["address-limit"]);
        await Ping(first);
        await first.DisconnectAsync();
        first.Dispose();
        await harness.Timeline.WaitForAsync(e => e is { Kind: "connection", Type: "close", Conn: "c1" }, H.Timeout);
        // The slot is released right after the close entry; retry until the harness has counted it down.
        var deadline = DateTime.UtcNow + H.Timeout;
        while (true)
        {
            try
            {
                using var again = await H.Connect(harness, "a2", o => o.WithTimeout(TimeSpan.FromSeconds(2)));
                await Ping(again);
                break;
            }
            catch (Exception) when (DateTime.UtcNow < deadline) { }
        }
    }
}

public class LossTests
{
    [Fact]
    public async Task Qos0_messages_dropped_to_a_subscriber_that_does_not_read_are_counted_and_on_the_timeline()
    {
        await using var harness = await H.Start();
        // A subscriber that subscribes and then never reads: raw MQTT 3.1.1 CONNECT + SUBSCRIBE "flood" QoS 0.
        using var slow = new TcpClient();
        slow.ReceiveBufferSize = 4096;
        await slow.ConnectAsync(harness.Backend.Host, harness.Backend.Port);
        byte[] connect = [0x10, 0x10, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x04, (byte)'s', (byte)'l', (byte)'o', (byte)'w'];
        byte[] subscribe = [0x82, 0x0A, 0x00, 0x01, 0x00, 0x05, (byte)'f', (byte)'l', (byte)'o', (byte)'o', (byte)'d', 0x00];
        await slow.GetStream().WriteAsync(connect);
        await slow.GetStream().WriteAsync(subscribe);
        using var fast = await H.Connect(harness, "fast");
        var received = 0;
        fast.ApplicationMessageReceivedAsync += _ => { Interlocked.Increment(ref received); return Task.CompletedTask; };
        await fast.SubscribeAsync("flood");
        using var publisher = await H.Connect(harness, "pub");
        var message = new MqttApplicationMessageBuilder().WithTopic("flood").WithPayload(new byte[4096]).Build();
        var loss = harness.Timeline.WaitForAsync(e => e is { Kind: "loss", ClientId: "slow" }, H.Timeout);
        for (var i = 0; i < 20_000 && !loss.IsCompleted; i++) await publisher.PublishAsync(message);
        var entry = await loss;
        Assert.True(entry.Count > 0);
        Assert.True(harness.Dropped["slow"] >= entry.Count);
        // Only the one that stopped reading is reported for all of it (a reader can lose a few on a busy machine, and then says so too).
        Assert.True(Volatile.Read(ref received) > 0);
        Assert.True(harness.Dropped.GetValueOrDefault("fast") < harness.Dropped["slow"]);
    }
}
