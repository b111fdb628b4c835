using System.Text;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Mqtt;

namespace Air780Bridge.Twin.Tests.Mqtt;

/// <summary>
/// The twin's reaction to what a broken or hostile server sends (the server suite's faults), each as the firmware's
/// libemqtt C code reacts (paths under components/network/libemqtt, LuatOS f9601cc).
/// </summary>
public class ServerFaultReactionTests
{
    static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
    static readonly FirmwareProfile V2028 = FirmwareProfile.Air780epV2028;
    static readonly FirmwareProfile V1112 = FirmwareProfile.Get("air780e-v1112");

    static Task<(ClientProbe probe, ScriptedBroker broker, ScriptedBroker.Peer peer)> ReadyAsync(FirmwareProfile profile) => ClientProbe.ReadyAsync(profile);

    static byte[] Publish(byte first, byte[] topic, int? id, byte[] payload)
    {
        var body = new List<byte> { (byte)(topic.Length >> 8), (byte)topic.Length };
        body.AddRange(topic);
        if (id is { } i) { body.Add((byte)(i >> 8)); body.Add((byte)i); }
        body.AddRange(payload);
        return [first, (byte)body.Count, .. body];
    }

    [Fact]
    public async Task Five_byte_remaining_length_looks_incomplete_and_stalls_the_stream()
    {
        // luat_mqtt_client.c mqtt_parse counts at most 4 length bytes, libemqtt.c mqtt_parse_rem_len reads a 5th into a
        // uint32: the "packet" never completes, so nothing closes and later packets are never parsed.
        var (probe, broker, peer) = await ReadyAsync(V2028);
        using var _ = broker; using var __ = peer;
        await peer.WriteAsync([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x01, (byte)'x', .. Publish(0x32, B("t"), 9, B("p"))]);
        Assert.Equal([true], probe.Client.Disconnect()); // waits until the read side has taken the bytes
        Assert.Equal(MqttCodec.Disconnect, (await peer.ReadPacketAsync())[0]); // no PUBACK(9) before it
        Assert.Equal(0L, probe.WaitFor("disconnect").Args[0]);
        Assert.DoesNotContain("recv", probe.Names);
        Assert.DoesNotContain("error", probe.Names);
    }

    [Fact]
    public void Frame_length_follows_mqtt_parse()
    {
        Assert.Equal(0, MqttCodec.FrameLength([0x30]));
        Assert.Equal(2, MqttCodec.FrameLength([0xD0, 0x00]));
        Assert.Equal(0, MqttCodec.FrameLength([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])); // 0xFFFFFFFF bytes to come
        Assert.Equal(5, MqttCodec.FrameLength([0x30, 0x80, 0x80, 0x80, 0x00, 0x00])); // 4 length bytes of value 0
    }

    [Fact]
    public async Task Reserved_flag_bits_are_ignored_a_flagged_pingresp_is_a_pong()
    {
        // libemqtt.h MQTTParseMessageType keeps the high nibble only.
        var (probe, broker, peer) = await ReadyAsync(V2028);
        using var _ = broker; using var __ = peer;
        await peer.WriteAsync(0xDF, 0x00);
        probe.WaitFor("pong");
        Assert.DoesNotContain("disconnect", probe.Names);
    }

    [Fact]
    public async Task Reserved_type_0_in_ready_is_ignored()
    {
        // luat_mqtt_client.c luat_mqtt_msg_cb: switch default only logs.
        var (probe, broker, peer) = await ReadyAsync(V2028);
        using var _ = broker; using var __ = peer;
        await peer.WriteAsync(0x00, 0x00, 0xD0, 0x00);
        probe.WaitFor("pong");
        Assert.DoesNotContain("disconnect", probe.Names);
    }

    [Fact]
    public async Task Publish_qos3_closes_with_error_98_on_defensive_parsing()
    {
        // luat_mqtt_client.c luat_mqtt_msg_cb PUBLISH: qos > 2 -> _close_mqtt(..., 98): disconnect, close, then error.
        var (probe, broker, peer) = await ReadyAsync(V2028);
        using var _ = broker; using var __ = peer;
        await peer.WriteAsync(Publish(0x36, B("t"), 1, B("p")));
        probe.WaitFor("error");
        Assert.Equal(["conack", "disconnect", "close", "error"], probe.Names);
        Assert.Equal(98L, probe.WaitFor("error").Args[1]);
    }

    [Fact]
    public async Task Second_connack_closes_with_error_95_and_legacy_takes_it_again()
    {
        var (probe, broker, peer) = await ReadyAsync(V2028);
        using (broker) using (peer)
        {
            await peer.WriteAsync(0x20, 0x02, 0x00, 0x00);
            Assert.Equal(95L, probe.WaitFor("error").Args[1]);
        }
        // Before the 2025-12-19 defensive parsing every CONNACK is handled as the first.
        var (legacy, broker2, peer2) = await ReadyAsync(V1112);
        using var _ = broker2; using var __ = peer2;
        await peer2.WriteAsync(0x20, 0x02, 0x00, 0x00);
        legacy.WaitFor("conack", 2);
        Assert.DoesNotContain("disconnect", legacy.Names);
    }

    [Fact]
    public async Task Wildcard_and_ill_formed_utf8_topics_are_delivered_as_sent()
    {
        // luat_mqtt_client.c MQTT_MSG_PUBLISH copies topic bytes (libemqtt.c mqtt_parse_pub_topic) without checking them.
        var (probe, broker, peer) = await ReadyAsync(V2028);
        using var _ = broker; using var __ = peer;
        byte[] bad = [(byte)'t', 0x80, 0xC0, 0x80, 0x00];
        await peer.WriteAsync([.. Publish(0x30, B("a/+/#"), null, B("w")), .. Publish(0x30, bad, null, B("u"))]);
        Assert.Equal(B("a/+/#"), probe.WaitFor("recv").Args[0]);
        Assert.Equal(bad, probe.WaitFor("recv", 2).Args[0]);
        Assert.DoesNotContain("disconnect", probe.Names);
    }

    [Fact]
    public async Task Acks_for_ids_not_in_flight_are_taken_at_face_value()
    {
        // luat_mqtt_client.c keeps no in-flight table: PUBACK -> "sent"(id), PUBREC -> PUBREL(id), PUBREL -> PUBCOMP(id),
        // SUBACK -> "suback"(code <= 2, first code), UNSUBACK -> "unsuback".
        var (probe, broker, peer) = await ReadyAsync(V2028);
        using var _ = broker; using var __ = peer;
        await peer.WriteAsync(0x40, 0x02, 0x7A, 0x7A);
        Assert.Equal(0x7A7AL, probe.WaitFor("sent").Args[0]);
        await peer.WriteAsync(0x50, 0x02, 0x7A, 0x7A);
        Assert.Equal(new byte[] { 0x62, 0x02, 0x7A, 0x7A }, await peer.ReadPacketAsync());
        await peer.WriteAsync(0x62, 0x02, 0x7A, 0x7B);
        Assert.Equal(new byte[] { 0x70, 0x02, 0x7A, 0x7B }, await peer.ReadPacketAsync());
        await peer.WriteAsync(0x90, 0x03, 0x7A, 0x7A, 0x00);
        Assert.Equal([true, 0L], probe.WaitFor("suback").Args);
        await peer.WriteAsync(0x90, 0x03, 0x7A, 0x7A, 0x80);
        Assert.Equal([false, 128L], probe.WaitFor("suback", 2).Args);
        await peer.WriteAsync(0xB0, 0x02, 0x7A, 0x7A);
        probe.WaitFor("unsuback");
        Assert.DoesNotContain("disconnect", probe.Names);
    }

    [Fact]
    public async Task Qos2_redelivery_with_dup_is_delivered_again_and_acknowledged_again()
    {
        // luat_mqtt_client.c MQTT_MSG_PUBLISH: no QoS 2 de-duplication; PUBREC for each copy; metas.dup from the flags.
        var (probe, broker, peer) = await ReadyAsync(V2028);
        using var _ = broker; using var __ = peer;
        await peer.WriteAsync([.. Publish(0x34, B("t"), 0x0102, B("once")), .. Publish(0x3C, B("t"), 0x0102, B("once"))]);
        var second = probe.WaitFor("recv", 2);
        Assert.Equal(0L, ((IReadOnlyDictionary<string, object?>)probe.WaitFor("recv").Args[2]!)["dup"]);
        Assert.Equal(1L, ((IReadOnlyDictionary<string, object?>)second.Args[2]!)["dup"]);
        Assert.Equal(new byte[] { 0x50, 2, 1, 2 }, await peer.ReadPacketAsync());
        Assert.Equal(new byte[] { 0x50, 2, 1, 2 }, await peer.ReadPacketAsync());
    }

    [Fact]
    public async Task A_publish_in_one_byte_segments_is_reassembled()
    {
        // luat_mqtt_client.c mqtt_parse returns "wait more data" until the whole packet is buffered.
        var (probe, broker, peer) = await ReadyAsync(V2028);
        using var _ = broker; using var __ = peer;
        foreach (var b in Publish(0x32, B("seg"), 5, B("tiny")))
        {
            await peer.WriteAsync(b);
            await Task.Yield();
        }
        Assert.Equal(B("tiny"), probe.WaitFor("recv").Args[1]);
        Assert.Equal(new byte[] { 0x40, 2, 0, 5 }, await peer.ReadPacketAsync());
    }

    [Fact]
    public async Task Pubrec_already_received_is_answered_before_disconnect()
    {
        // The network callback (luat_mqtt_callback) runs ahead of the Lua task: a PUBREC in the socket when Lua calls
        // disconnect() gets its PUBREL first (luat_lib_mqtt.c l_mqtt_disconnect then sends DISCONNECT).
        var (probe, broker, peer) = await ReadyAsync(V2028);
        using var _ = broker; using var __ = peer;
        Assert.Equal([1L], probe.Client.Publish(B("t"), B("two"), 2, null));
        await peer.ReadUntilAsync(MqttCodec.Publish);
        await peer.WriteAsync(0x50, 0x02, 0x00, 0x01);
        probe.Client.Disconnect();
        Assert.Equal(new byte[] { 0x62, 2, 0, 1 }, await peer.ReadPacketAsync());
        Assert.Equal(MqttCodec.Disconnect, (await peer.ReadPacketAsync())[0]);
    }

    [Fact]
    public async Task Table_unsubscribe_sends_its_packets_back_to_back()
    {
        // luat_lib_mqtt.c l_mqtt_unsubscribe loops mqtt_unsubscribe in the one Lua call; network_tx only queues.
        var (probe, broker, peer) = await ReadyAsync(V2028);
        using var _ = broker; using var __ = peer;
        Assert.Equal([2L], probe.Client.Unsubscribe(new List<byte[]> { B("a"), B("b") }));
        var first = await peer.ReadPacketAsync();
        var second = await peer.ReadPacketAsync();
        Assert.Equal([0xA2, 5, 0, 1, 0, 1, (byte)'a'], first);
        Assert.Equal([0xA2, 5, 0, 2, 0, 1, (byte)'b'], second);
    }
}
