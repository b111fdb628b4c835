using System.Diagnostics;
using System.Net.Sockets;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Harness.Control;
using Air780Bridge.Harness.Faults;
using Air780Bridge.Harness.Faults.Server;

namespace Air780Bridge.Harness.Tests;

/// <summary>Each server fault puts exactly its bytes on the module's connection, and the timeline shows them.</summary>
public class ServerFaultTests
{
    /// <summary>A raw MQTT client: the module end of the wire, reading byte for byte what the tap sends it.</summary>
    private sealed class RawModule : IDisposable
    {
        private readonly TcpClient _tcp = new();
        private NetworkStream Stream => _tcp.GetStream();

        public static async Task<RawModule> ConnectAsync(HarnessBroker harness, string clientId, bool expectConnack = true)
        {
            var module = new RawModule();
            await module._tcp.ConnectAsync(harness.Plain.Host, harness.Plain.Port);
            var id = System.Text.Encoding.ASCII.GetBytes(clientId);
            byte[] body = [0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0, 60, 0, (byte)id.Length, .. id];
            await module.Stream.WriteAsync((byte[])[0x10, (byte)body.Length, .. body]);
            if (expectConnack) Assert.Equal(Convert.FromHexString("20020000"), await module.ReadAsync(4));
            return module;
        }

        public async Task<byte[]> ReadAsync(int count)
        {
            using var cts = new CancellationTokenSource(H.Timeout);
            var buffer = new byte[count];
            await Stream.ReadExactlyAsync(buffer, cts.Token);
            return buffer;
        }

        public void Dispose() => _tcp.Dispose();
    }

    [Theory]
    [InlineData("bad-remaining-length", null, "30FFFFFFFF7F000178")]
    [InlineData("reserved-flags", null, "DF00")]
    [InlineData("unknown-type", null, "0000")]
    [InlineData("publish-qos3", null, "3609000174" + "7A7A" + "716F7333")]
    [InlineData("wildcard-topic", null, "300F0005742F2B2F23" + "77696C6463617264")]
    [InlineData("invalid-utf8-topic", null, "300C0006742F80C08000" + "75746638")]
    [InlineData("second-connack", null, "20020000")]
    [InlineData("stray-puback", null, "40027A7A")]
    [InlineData("stray-pubrec", null, "50027A7A")]
    [InlineData("stray-suback", null, "90037A7A00")]
    [InlineData("stray-unsuback", null, "B0027A7A")]
    [InlineData("suback-failure", 5, "9003000580")]
    [InlineData("pubrel-before-pubrec", 5, "62020005")]
    [InlineData("qos2-duplicate", 5, "340E000174" + "0005" + "716F73322D6F6E6365" + "3C0E000174" + "0005" + "716F73322D6F6E6365")]
    public async Task A_fault_sends_its_bytes_toward_the_module(string fault, int? id, string hex)
    {
        await using var harness = await H.Start();
        using var module = await RawModule.ConnectAsync(harness, "raw");
        await harness.InjectAsync(fault, new ServerFaultArgs(PacketId: id, Topic: "t"), clientId: "raw");
        var expected = Convert.FromHexString(hex);
        Assert.Equal(hex, Convert.ToHexString(await module.ReadAsync(expected.Length)));
        var entry = Assert.Single(harness.Timeline.Snapshot(), e => e is { Kind: "fault" } && e.Type == fault);
        Assert.Equal(hex, entry.Raw);
        Assert.Equal("down", entry.Dir);
        // The packets as sent are on the timeline too, decoded (or "malformed") and marked as injected.
        Assert.Contains(harness.Timeline.Snapshot(), e => e.Dir == "down" && e.Kind is "packet" or "malformed" && e.Detail?.StartsWith($"injected ({fault})") == true);
    }

    [Fact]
    public async Task Oversize_sends_a_publish_with_the_payload_size_asked_for()
    {
        await using var harness = await H.Start();
        using var module = await RawModule.ConnectAsync(harness, "big");
        await harness.InjectAsync("oversize", new ServerFaultArgs(Topic: "t", Size: 200), clientId: "big");
        var bytes = await module.ReadAsync(3 + 3 + 200); // fixed header 3 (length 203 = CB 01), topic 3, payload
        Assert.Equal("30CB01" + "000174", Convert.ToHexString(bytes, 0, 6));
        Assert.All(bytes[6..], b => Assert.Equal(0, b));
        var publish = Assert.Single(harness.Timeline.Snapshot(), e => e is { Kind: "packet", Type: "PUBLISH" });
        Assert.Equal(200, publish.PayloadSize);
    }

    [Fact]
    public async Task Split_writes_one_packet_in_segments_of_the_size_asked_for()
    {
        await using var harness = await H.Start();
        using var module = await RawModule.ConnectAsync(harness, "seg");
        await harness.InjectAsync("split", new ServerFaultArgs(PacketId: 5, Topic: "t", Segment: 3), clientId: "seg");
        var text = "split into tiny segments"u8.ToArray();
        Assert.Equal([0x32, 0x1D, 0, 1, (byte)'t', 0, 5, .. text], await module.ReadAsync(7 + text.Length));
        var fault = Assert.Single(harness.Timeline.Snapshot(), e => e is { Kind: "fault", Type: "split" });
        Assert.Contains("in 11 segments of 3 B", fault.Detail);
    }

    [Fact]
    public async Task A_fault_for_a_client_without_a_connection_is_a_clear_error()
    {
        await using var harness = await H.Start();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => harness.InjectAsync("reserved-flags", new ServerFaultArgs(), clientId: "nobody"));
        Assert.Contains("nobody", e.Message);
        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => harness.InjectAsync("bogus", new ServerFaultArgs()));
        Assert.Contains("publish-qos3", unknown.Message);
    }

    [Fact]
    public async Task Late_connack_answers_the_connect_itself_after_the_delay()
    {
        await using var harness = await H.Start();
        var delay = TimeSpan.FromMilliseconds(700);
        await harness.LateConnackAsync("slow", delay);
        var watch = Stopwatch.StartNew();
        using var module = await RawModule.ConnectAsync(harness, "slow", expectConnack: false);
        Assert.Equal(Convert.FromHexString("20020000"), await module.ReadAsync(4));
        // Tolerance for timer granularity on a loaded machine.
        Assert.True(watch.Elapsed >= delay - TimeSpan.FromMilliseconds(100), $"CONNACK after {watch.Elapsed}");
        Assert.Contains(harness.Timeline.Snapshot(), e => e is { Kind: "fault", Type: "muted" });
        await harness.LateConnackAsync("slow", null);
        using var prompt = await RawModule.ConnectAsync(harness, "slow");
    }

    [Fact]
    public async Task Server_faults_go_over_the_control_channel_too()
    {
        await using var harness = await H.Start(new HarnessSettings { ControlUser = ("rig", "secret") });
        await using var remote = await H.Remote(harness);
        using var module = await RawModule.ConnectAsync(harness, "remote-target");
        await new FaultCommand("stray-pubrec", ClientId: "remote-target", PacketId: 0x0102).ApplyAsync(remote);
        Assert.Equal("50020102", Convert.ToHexString(await module.ReadAsync(4)));
        Assert.Contains("publish-qos3", FaultCommand.Names);
        Assert.Contains("late-connack", FaultCommand.Names);
    }
}
