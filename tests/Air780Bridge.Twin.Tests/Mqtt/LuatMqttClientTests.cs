using System.Text;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Mqtt;

namespace Air780Bridge.Twin.Tests.Mqtt;

public class LuatMqttClientTests
{
    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
    static readonly FirmwareProfile V1120 = FirmwareProfile.Air780eV1120;
    static readonly FirmwareProfile V2028 = FirmwareProfile.Air780epV2028;

    static Task<(ClientProbe probe, ScriptedBroker broker, ScriptedBroker.Peer peer)> ReadyAsync(FirmwareProfile profile, long? rxSize = null) =>
        ClientProbe.ReadyAsync(profile, rxSize);

    [Fact]
    public void Firmware_profile_lookup_names_the_known_profiles()
    {
        Assert.Same(V2028, FirmwareProfile.Get("AIR780EP-V2028"));
        var e = Assert.Throws<ArgumentException>(() => FirmwareProfile.Get("air999"));
        Assert.Contains("air780e-v1120", e.Message);
    }

    [Fact]
    public void Create_returns_nil_for_bad_adapter_long_host_and_bad_certificate()
    {
        var bus = new FakeModuleBus();
        Assert.Null(LuatMqttClient.Create(bus, V1120, new MqttCreateArguments(8, "h", 1883, null, false, null, null)));
        Assert.Null(LuatMqttClient.Create(bus, V1120, new MqttCreateArguments(null, new string('h', 192), 1883, null, false, null, null)));
        Assert.Null(LuatMqttClient.Create(bus, V1120, new MqttCreateArguments(null, "h", 1883, new MqttTlsOptions(B("not a cert"), null, null, null, 2), false, null, null)));
        Assert.NotNull(LuatMqttClient.Create(bus, V1120, new MqttCreateArguments(null, new string('h', 191), 1883, null, false, null, null)));
    }

    [Fact]
    public void Keepalive_is_clamped_to_15_600()
    {
        var c = new ClientProbe(V1120, 1).Client;
        c.Keepalive(0); Assert.Equal(15, c.KeepaliveSeconds);
        c.Keepalive(601); Assert.Equal(600, c.KeepaliveSeconds);
        c.Keepalive(null); Assert.Equal(240, c.KeepaliveSeconds);
    }

    [Fact]
    public void Autoreconn_period_defaults_to_3000_min_1000_and_resets_without_period()
    {
        var c = new ClientProbe(V1120, 1).Client;
        c.Autoreconn(true, 10); Assert.Equal(1000, c.ReconnectPeriodMs);
        c.Autoreconn(true, 5000); Assert.Equal(5000, c.ReconnectPeriodMs);
        c.Autoreconn(null, null); Assert.Equal(3000, c.ReconnectPeriodMs);
        Assert.True(c.AutoReconnect);
    }

    [Fact]
    public void Verify_constants_exist_only_from_v1118()
    {
        Assert.Equal(2, LuatMqttClient.Constants(V1120)["VERIFY_REQUIRED"]);
        Assert.False(LuatMqttClient.Constants(FirmwareProfile.Air780eV1112).ContainsKey("VERIFY_NONE"));
        Assert.Equal(3, LuatMqttClient.Constants(FirmwareProfile.Air780eV1112)["STATE_READY"]);
    }

    [Fact]
    public void Message_id_is_zero_without_auth_and_one_after_auth()
    {
        var c = new ClientProbe(V1120, 1).Client;
        Assert.Equal(0, c.NextMessageId);
        Assert.Equal([true], c.Auth(B("id"), null, null, true));
        Assert.Equal(1, c.NextMessageId);
        Assert.Empty(new ClientProbe(FirmwareProfile.Air780eV1112, 1).Client.Auth(B("id"), null, null, true));
    }

    [Theory]
    [InlineData("air780e-v1120", 0)]
    [InlineData("air780ep-v2028", 1)]
    public void Message_id_wraps_to_zero_on_v1120_and_skips_zero_on_v2028(string profile, int afterWrap)
    {
        var c = new ClientProbe(FirmwareProfile.Get(profile), 1).Client;
        c.Auth(B("id"), null, null, true);
        // Publishing in state 0 fails (returns nil) but still consumes an id, as the post-increment does.
        for (var i = 1; i <= 65535; i++) Assert.Empty(c.Publish(B("t"), B("p"), 1, null));
        Assert.Equal(afterWrap, c.NextMessageId);
    }

    [Fact]
    public async Task Qos2_sent_fires_on_pubcomp_not_pubrec()
    {
        var (probe, broker, peer) = await ReadyAsync(V1120);
        using var _ = broker; using var __ = peer;
        var id = (long)probe.Client.Publish(B("t"), B("p"), 2, null)[0]!;
        var publish = await peer.ReadUntilAsync(MqttCodec.Publish);
        Assert.Equal(0x34, publish[0]); // QoS2, DUP never set
        await peer.WriteAsync(0x50, 2, (byte)(id >> 8), (byte)id);
        var pubrel = await peer.ReadUntilAsync(MqttCodec.Pubrel);
        Assert.Equal(new byte[] { 0x62, 2, (byte)(id >> 8), (byte)id }, pubrel);
        probe.Bus.Drain();
        Assert.DoesNotContain("sent", probe.Names);
        await peer.WriteAsync(0x70, 2, (byte)(id >> 8), (byte)id);
        Assert.Equal(id, probe.WaitFor("sent").Args[0]);
    }

    [Fact]
    public async Task Qos0_publish_returns_id_zero_and_sent_at_once()
    {
        var (probe, broker, peer) = await ReadyAsync(V1120);
        using var _ = broker; using var __ = peer;
        Assert.Equal([0L], probe.Client.Publish(B("t"), B("p"), null, null));
        Assert.Equal(0L, probe.WaitFor("sent").Args[0]);
    }

    [Fact]
    public async Task Event_order_on_conack_refusal()
    {
        using var broker = new ScriptedBroker();
        var probe = new ClientProbe(V1120, broker.Port);
        probe.Client.Auth(B("twin"), null, null, true);
        probe.Client.Connect();
        using var peer = await broker.AcceptAsync();
        await peer.HandshakeAsync(rc: 5);
        probe.WaitFor("error");
        Assert.Equal(["disconnect", "close", "error"], probe.Names);
        Assert.Equal(5L, probe.Events[0].Args[0]);
        Assert.Equal(B("conack"), probe.Events[2].Args[0]);
        Assert.Equal([0L], probe.Client.State());
    }

    [Fact]
    public async Task Event_order_on_socket_failure_is_error_disconnect_close()
    {
        var (probe, broker, peer) = await ReadyAsync(V1120);
        using var _ = broker;
        peer.Dispose();
        probe.WaitFor("close");
        Assert.Equal(["conack", "error", "disconnect", "close"], probe.Names);
        Assert.Equal(B("other"), probe.Events[1].Args[0]);
    }

    [Fact]
    public async Task Broker_disconnect_gives_code_minus_two()
    {
        var (probe, broker, peer) = await ReadyAsync(V1120);
        using var _ = broker;
        await peer.WriteAsync(0xE0, 0);
        peer.Dispose();
        Assert.Equal(-2L, probe.WaitFor("disconnect").Args[0]);
    }

    [Fact]
    public async Task Disconnect_code_is_float_on_legacy()
    {
        var (probe, broker, peer) = await ReadyAsync(FirmwareProfile.Air780eV1112);
        using var _ = broker; using var __ = peer;
        probe.Client.Disconnect();
        Assert.Equal(0.0, probe.WaitFor("disconnect").Args[0]);
        Assert.Equal(0.0, probe.WaitFor("sys:MQTT_DISCONNECT").Args[0]);
    }

    [Fact]
    public async Task Duplicate_connack_is_protocol_error_95_on_v1120()
    {
        var (probe, broker, peer) = await ReadyAsync(V1120);
        using var _ = broker; using var __ = peer;
        await peer.WriteAsync(0x20, 2, 0, 0);
        var error = probe.WaitFor("error");
        Assert.Equal(95L, error.Args[1]);
        Assert.Equal(["conack", "disconnect", "close", "error"], probe.Names);
    }

    [Fact]
    public async Task Ping_period_is_three_quarters_of_keepalive_started_at_connack()
    {
        using var broker = new ScriptedBroker();
        var probe = new ClientProbe(V1120, broker.Port);
        probe.Client.Auth(B("twin"), null, null, true);
        probe.Client.Keepalive(60);
        probe.Client.Connect();
        using var peer = await broker.AcceptAsync();
        var connect = await peer.ReadPacketAsync();
        Assert.DoesNotContain(probe.Bus.Timers, t => t.Active && t.Repeat);
        await peer.WriteAsync(0x20, 2, 0, 0);
        probe.WaitFor("conack");
        var ping = Assert.Single(probe.Bus.Timers, t => t.Active && t.Repeat);
        Assert.Equal(45000, ping.PeriodMs);
        probe.Bus.Advance(45000);
        probe.Bus.Drain();
        Assert.Equal(new byte[] { 0xC0, 0 }, await peer.ReadPacketAsync());
        await peer.WriteAsync(0xD0, 0);
        probe.WaitFor("pong");
        probe.WaitFor("sys:MQTT_PONG");
    }

    [Fact]
    public async Task Disconnect_does_not_stop_autoreconnect()
    {
        var (probe, broker, peer) = await ReadyAsync(V1120);
        using var _ = broker; using var __ = peer;
        probe.Client.Autoreconn(true, 2000);
        Assert.Equal([true], probe.Client.Disconnect());
        Assert.Equal(0L, probe.WaitFor("disconnect").Args[0]);
        Assert.Equal(new byte[] { 0xE0, 0 }, await peer.ReadUntilAsync(MqttCodec.Disconnect));
        probe.Bus.Advance(1999);
        probe.Bus.Drain();
        Assert.Equal([0L], probe.Client.State());
        probe.Bus.Advance(1);
        probe.Bus.Drain();
        using var again = await broker.AcceptAsync();
        await again.HandshakeAsync();
        probe.WaitFor("conack", 2);
        Assert.DoesNotContain("close", probe.Names);
    }

    [Fact]
    public async Task Close_silences_queued_events()
    {
        var (probe, broker, peer) = await ReadyAsync(V1120);
        using var _ = broker; using var __ = peer;
        probe.Client.Publish(B("t"), B("p"), 0, null); // queues "sent"
        Assert.Empty(probe.Client.Close());             // queues disconnect + close
        probe.Bus.Drain();
        Assert.Equal(["conack"], probe.Names);
        Assert.Equal([false], probe.Client.Will(B("w"), null, null, null));
        Assert.Empty(probe.Client.Publish(B("t"), B("p"), 0, null));
        Assert.Throws<InvalidOperationException>(() => probe.Client.Debug(true));
    }

    [Fact]
    public async Task Inbound_qos2_is_delivered_at_once_then_pubrec_and_pubcomp_on_pubrel()
    {
        var (probe, broker, peer) = await ReadyAsync(V1120);
        using var _ = broker; using var __ = peer;
        await peer.WriteAsync(0x34, 8, 0, 1, (byte)'t', 0, 7, (byte)'a', (byte)'b', (byte)'c');
        var recv = probe.WaitFor("recv");
        Assert.Equal(B("t"), recv.Args[0]);
        Assert.Equal(B("abc"), recv.Args[1]);
        var metas = (IReadOnlyDictionary<string, object?>)recv.Args[2]!;
        Assert.Equal(7L, metas["message_id"]);
        Assert.Equal(new byte[] { 0x50, 2, 0, 7 }, await peer.ReadPacketAsync());
        await peer.WriteAsync(0x62, 2, 0, 7);
        Assert.Equal(new byte[] { 0x70, 2, 0, 7 }, await peer.ReadPacketAsync());
    }

    [Fact]
    public async Task Oversize_packet_closes_with_disconnect_zero_and_no_error()
    {
        var (probe, broker, peer) = await ReadyAsync(V1120, rxSize: 2048);
        using var _ = broker; using var __ = peer;
        var payload = new byte[5000];
        await peer.WriteAsync([.. MqttCodec.EncodePublish(B("t"), payload, 0, false, 0)]);
        Assert.Equal(0L, probe.WaitFor("disconnect").Args[0]);
        probe.WaitFor("close");
        Assert.DoesNotContain("error", probe.Names);
    }

    [Fact]
    public async Task Table_subscribe_sends_one_subscribe_per_topic()
    {
        var (probe, broker, peer) = await ReadyAsync(V1120);
        using var _ = broker; using var __ = peer;
        var result = probe.Client.Subscribe(new List<KeyValuePair<byte[], long>> { new(B("a"), 1), new(B("b"), 5) }, null);
        Assert.Equal([2L], result);
        var first = await peer.ReadUntilAsync(MqttCodec.Subscribe);
        var second = await peer.ReadUntilAsync(MqttCodec.Subscribe);
        Assert.Equal(1, first[^1]);
        Assert.Equal(0, second[^1]); // qos > 2 -> 0
        await peer.WriteAsync(0x90, 3, 0, 1, 0x80);
        var suback = probe.WaitFor("suback");
        Assert.Equal([false, 128L], suback.Args);
        Assert.Equal([0L], probe.Client.Subscribe(42L, null));
    }

    [Fact]
    public async Task Publish_while_tcp_connecting_aborts_the_attempt()
    {
        using var broker = new ScriptedBroker();
        var probe = new ClientProbe(V1120, broker.Port);
        probe.Client.Auth(B("twin"), null, null, true);
        probe.Client.Connect();
        Assert.Equal([1L], probe.Client.State());
        Assert.Empty(probe.Client.Publish(B("t"), B("p"), 0, null));
        Assert.Equal(0L, probe.WaitFor("disconnect").Args[0]);
    }
}
