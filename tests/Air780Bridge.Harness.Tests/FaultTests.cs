using System.Diagnostics;
using System.Net.Sockets;
using Air780Bridge.Harness.Broker;
using MQTTnet;
using MQTTnet.Protocol;

namespace Air780Bridge.Harness.Tests;

public class FaultTests
{
    private static MqttApplicationMessage Message(string topic, MqttQualityOfServiceLevel qos) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("x"u8.ToArray()).WithQualityOfServiceLevel(qos).Build();

    [Fact]
    public async Task Drop_resets_the_connection_and_is_recorded()
    {
        await using var harness = await H.Start();
        var client = await H.Connect(harness, "d");
        var disconnected = H.Disconnected(client);
        await harness.DropAsync("c1");
        await disconnected.WaitAsync(H.Timeout);
        var close = await harness.Timeline.WaitForAsync(e => e.Type == "close", H.Timeout);
        Assert.Contains("RST", close.Detail);
        Assert.Contains(harness.Timeline.Snapshot(), e => e is { Kind: "fault", Type: "drop" });
    }

    [Fact]
    public async Task A_muted_client_id_gets_no_connack_while_others_connect()
    {
        await using var harness = await H.Start();
        await harness.MuteClientAsync("silent", true);
        var muted = new MqttClientFactory().CreateMqttClient();
        var options = H.Options(harness, "silent").WithTimeout(TimeSpan.FromSeconds(1)).Build();
        await Assert.ThrowsAnyAsync<Exception>(() => muted.ConnectAsync(options));
        var swallowed = await harness.Timeline.WaitForAsync(e => e is { Kind: "fault", Type: "muted" }, H.Timeout);
        Assert.Contains("silent", swallowed.Detail);
        Assert.DoesNotContain(harness.Timeline.Snapshot(), e => e is { Type: "CONNACK" } && e.Conn == swallowed.Conn);
        using var other = await H.Connect(harness, "other");
        await harness.MuteClientAsync("silent", false);
        using var again = await H.Connect(harness, "silent");
    }

    [Fact]
    public async Task A_refused_client_id_is_answered_with_its_connack_code_over_the_control_channel()
    {
        await using var harness = await H.Start(new HarnessSettings { ControlUser = ("rig", "secret") });
        await using var remote = await H.Remote(harness);
        await remote.RefuseClientAsync("dev-1", 5);
        await harness.Timeline.WaitForAsync(e => e is { Kind: "fault", Type: "refuse-client" }, H.Timeout);
        using var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(H.Options(harness, "dev-1").Build());
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result.ResultCode);
        var (offset, uncertainty) = await remote.MeasureClockOffsetAsync();
        Assert.True(Math.Abs(offset) <= uncertainty + 1000, $"same-process clocks: offset {offset} us, uncertainty {uncertainty} us");
    }

    [Fact]
    public async Task Blackhole_holds_traffic_for_the_period_then_resumes()
    {
        await using var harness = await H.Start();
        var client = await H.Connect(harness, "b");
        var hold = TimeSpan.FromMilliseconds(800);
        await harness.BlackholeAsync(hold);
        var watch = Stopwatch.StartNew();
        await client.PublishAsync(Message("/b", MqttQualityOfServiceLevel.AtLeastOnce)).WaitAsync(H.Timeout);
        // The PUBACK cannot arrive before the blackhole ends (tolerance for timer granularity).
        Assert.True(watch.Elapsed >= hold - TimeSpan.FromMilliseconds(100), $"ack after {watch.Elapsed}");
    }

    [Fact]
    public async Task Delay_slows_each_forwarded_packet()
    {
        await using var harness = await H.Start();
        var client = await H.Connect(harness, "dl");
        await harness.DelayAsync(TimeSpan.FromMilliseconds(300), "c1");
        var watch = Stopwatch.StartNew();
        await client.PublishAsync(Message("/d", MqttQualityOfServiceLevel.AtLeastOnce)).WaitAsync(H.Timeout);
        // PUBLISH up and PUBACK down are each delayed.
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(500), $"ack after {watch.Elapsed}");
    }

    [Fact]
    public async Task Withheld_puback_never_reaches_the_publisher()
    {
        await using var harness = await H.Start();
        var client = await H.Connect(harness, "w");
        await harness.WithholdAsync("PUBACK", "c1");
        var publish = client.PublishAsync(Message("/w", MqttQualityOfServiceLevel.AtLeastOnce));
        var withheld = await harness.Timeline.WaitForAsync(e => e is { Kind: "fault", Type: "withheld" }, H.Timeout);
        var puback = harness.Timeline.Snapshot().Single(e => e is { Type: "PUBACK", Dir: "down" });
        Assert.Equal(puback.PacketId, withheld.PacketId);
        Assert.False(publish.IsCompleted);
        await harness.DropAsync("c1");
        await Assert.ThrowsAnyAsync<Exception>(() => publish.WaitAsync(H.Timeout));
    }

    [Fact]
    public async Task Withholding_a_non_ack_is_rejected_with_the_valid_list()
    {
        await using var harness = await H.Start();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => harness.WithholdAsync("PUBLISH"));
        Assert.Contains("PINGRESP", ex.Message);
    }

    [Fact]
    public async Task Refused_tcp_connections_fail_and_are_recorded()
    {
        await using var harness = await H.Start();
        await harness.RefuseConnectionsAsync(TimeSpan.FromMinutes(1));
        var client = new MqttClientFactory().CreateMqttClient();
        await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(H.Options(harness, "r").Build()));
        await harness.Timeline.WaitForAsync(e => e is { Kind: "fault", Type: "refused" }, H.Timeout);
    }

    [Fact]
    public async Task Duplicate_client_id_kicks_the_module()
    {
        await using var harness = await H.Start();
        var client = await H.Connect(harness, "dup");
        var disconnected = H.Disconnected(client);
        await harness.KickWithDuplicateClientIdAsync("c1");
        await disconnected.WaitAsync(H.Timeout);
        Assert.Contains(harness.Timeline.Snapshot(), e => e is { Kind: "fault", Type: "kick" });
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Refusal_mode_answers_connack_with_the_code(int code)
    {
        await using var harness = await H.Start(new HarnessSettings { RefuseByClientId = new Dictionary<string, int> { ["bad"] = code } });
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(H.Options(harness, "bad").Build());
        Assert.Equal(code == 4 ? MqttClientConnectResultCode.BadUserNameOrPassword : MqttClientConnectResultCode.NotAuthorized, result.ResultCode);
        Assert.Equal(code, (await harness.Timeline.WaitForAsync(e => e.Type == "CONNACK", H.Timeout)).Code);
        await (await H.Connect(harness, "good")).DisconnectAsync();
    }

    [Fact]
    public async Task Credentials_list_rejects_unknown_users()
    {
        await using var harness = await H.Start(new HarnessSettings { Credentials = [("u", "p")] });
        await (await H.Connect(harness, "ok", o => o.WithCredentials("u", "p"))).DisconnectAsync();
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(H.Options(harness, "no").WithCredentials("u", "wrong").Build());
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
        Assert.Equal(4, (await harness.Timeline.WaitForAsync(e => e is { Type: "CONNACK", Code: > 0 }, H.Timeout)).Code);
    }

    [Fact]
    public async Task Malformed_bytes_are_recorded_as_hex_and_forwarded()
    {
        await using var harness = await H.Start();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(harness.Plain.Host, harness.Plain.Port);
        // A reserved packet type 0 with a valid length, then a length prefix longer than 4 bytes.
        await tcp.GetStream().WriteAsync(new byte[] { 0x00, 0x01, 0xAB, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF });
        var first = await harness.Timeline.WaitForAsync(e => e.Kind == "malformed", H.Timeout);
        Assert.Equal("0001AB", first.Raw);
        var second = await harness.Timeline.WaitForAsync(e => e.Kind == "malformed" && e.Raw!.StartsWith("10FF"), H.Timeout);
        Assert.Contains("4 bytes", second.Detail);
        // The broker received the bytes unchanged and closed on them; the tap keeps serving.
        await harness.Timeline.WaitForAsync(e => e.Type == "close", H.Timeout);
        await (await H.Connect(harness, "after")).DisconnectAsync();
    }

    [Fact]
    public async Task Tap_forwards_to_an_external_upstream_broker()
    {
        await using var external = await H.Start();
        await using var harness = await H.Start(new HarnessSettings { Upstream = $"127.0.0.1:{external.Plain.Port}" });
        Assert.Null(harness.Broker);
        await (await H.Connect(harness, "via-upstream")).DisconnectAsync();
        Assert.Equal("via-upstream", (await harness.Timeline.WaitForAsync(e => e.Type == "CONNECT", H.Timeout)).ClientId);
        Assert.Equal(0, (await harness.Timeline.WaitForAsync(e => e.Type == "CONNACK", H.Timeout)).Code);
    }

    [Fact]
    public async Task An_upstream_nobody_listens_on_is_named_with_the_fix_when_a_module_dials()
    {
        var port = EmbeddedBroker.FreeLoopbackPort();
        await using var harness = await H.Start(new HarnessSettings { Upstream = $"127.0.0.1:{port}" });
        using var module = new TcpClient();
        await module.ConnectAsync(harness.Plain.Host, harness.Plain.Port);
        var close = await harness.Timeline.WaitForAsync(e => e is { Kind: "connection", Type: "close" }, H.Timeout);
        Assert.StartsWith("setup failed: the upstream broker 127.0.0.1:" + port + " cannot be reached", close.Detail);
        Assert.Contains("--upstream", close.Detail);
    }
}
