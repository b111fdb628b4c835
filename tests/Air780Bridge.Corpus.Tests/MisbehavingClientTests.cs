using Air780Bridge.Corpus.Tests.Support;
using static Air780Bridge.Corpus.Tests.Support.Packet;

namespace Air780Bridge.Corpus.Tests;

/// <summary>
/// One deliberately misbehaving raw-socket client per client-side rule the catalogue judges: each breaks exactly one
/// MQTT 3.1.1 statement, behaves otherwise, and must get exactly that check's Fail from `air780 check`, no other.
/// </summary>
public sealed class MisbehavingClientTests
{
    /// <summary>CONNECT, CONNACK, the misbehaviour, then a clean DISCONNECT; judged as <paramref name="clientId"/>.</summary>
    private static async Task<Verdicts> Session(string clientId, Func<RawClient, Task> misbehave, byte[]? connect = null, params string[] options)
    {
        await using var corpus = await CorpusSession.StartAsync();
        await using (var client = await RawClient.ConnectAsync(corpus))
        {
            await client.SendAsync(connect ?? Connect(clientId));
            await client.ExpectAsync("CONNACK");
            await misbehave(client);
        }
        return await corpus.JudgeAsync(clientId, options);
    }

    private static async Task Bye(RawClient client)
    {
        await client.SendAsync(Disconnect);
        await client.BrokerClosedAsync();
    }

    [Fact]
    public async Task Password_flag_without_username_flag_fails_only_connect_password_without_username() =>
        // [MQTT-3.1.2-22]: User Name Flag 0 requires Password Flag 0.
        (await Session("raw-pw-no-user", Bye, Connect("raw-pw-no-user", password: "secret")))
        .AssertFailedExactly("connect.password-without-username");

    [Fact]
    public async Task Subscribe_with_packet_id_zero_fails_only_packet_id_non_zero() =>
        // [MQTT-2.3.1-1]: SUBSCRIBE carries a non-zero packet identifier.
        (await Session("raw-id-zero", async c =>
        {
            // The embedded broker (MQTTnet) never answers a SUBSCRIBE with id 0, so the client does not wait for a SUBACK.
            await c.SendAsync(Subscribe(0, "corpus/raw", 0), Disconnect);
            await c.BrokerClosedAsync();
        })).AssertFailedExactly("packet-id.non-zero");

    [Fact]
    public async Task New_qos2_publish_on_an_id_still_in_flight_fails_only_packet_id_not_reused() =>
        // [MQTT-2.3.1-2]: a QoS 2 id is free again only after PUBCOMP; this client reuses it after PUBREC, with DUP 0 (a new message, not a re-send).
        (await Session("raw-id-reuse", async c =>
        {
            await c.SendAsync(Publish("corpus/raw", 2, 7, "first"));
            await c.ExpectAsync("PUBREC");
            await c.SendAsync(Publish("corpus/raw", 2, 7, "second"));
            await c.ExpectAsync("PUBREC");
            await c.SendAsync(Ack("PUBREL", 7));
            await c.ExpectAsync("PUBCOMP");
            await Bye(c);
        })).AssertFailedExactly("packet-id.not-reused-in-flight");

    [Fact]
    public async Task Pubrel_with_flags_0000_fails_only_the_qos2_flow_check() =>
        // [MQTT-3.6.1-1]: PUBREL fixed-header flags are 0010; this client sends 0x60 instead of 0x62.
        (await Session("raw-pubrel-flags", async c =>
        {
            await c.SendAsync(Publish("corpus/raw", 2, 1));
            await c.ExpectAsync("PUBREC");
            await c.SendAsync(Ack("PUBREL", 1, flags: 0x0), Disconnect);
            await c.BrokerClosedAsync();
        })).AssertFailedExactly("publish.qos2-sent-after-pubcomp");

    [Fact]
    public async Task Inbound_qos1_publish_never_acknowledged_fails_only_inbound_qos1_puback() =>
        // [MQTT-4.3.2-2]: the receiver of a QoS 1 PUBLISH answers PUBACK; this client subscribes, receives its own message and stays silent.
        (await Session("raw-no-puback", async c =>
        {
            await c.SendAsync(Subscribe(1, "corpus/raw/q1", 1));
            await c.ExpectAsync("SUBACK");
            await c.SendAsync(Publish("corpus/raw/q1", 1, 2));
            await c.ExpectAsync("PUBLISH");
            await Bye(c);
        })).AssertFailedExactly("inbound.qos1-puback");

    [Fact]
    public async Task Inbound_qos2_pubrel_never_completed_fails_only_inbound_qos2_pubrec_pubcomp() =>
        // [MQTT-4.3.3-2]: the receiver answers PUBREL with PUBCOMP; this client sends PUBREC, then never PUBCOMP.
        (await Session("raw-no-pubcomp", async c =>
        {
            await c.SendAsync(Subscribe(1, "corpus/raw/q2", 2));
            await c.ExpectAsync("SUBACK");
            await c.SendAsync(Publish("corpus/raw/q2", 2, 2));
            bool completed = false, released = false;
            // Its own publish's PUBREC/PUBCOMP and the delivery to itself (PUBLISH, then the broker's PUBREL) interleave.
            while (!completed || !released)
            {
                var p = await c.ReadAsync();
                if (p.Type == "PUBREC") await c.SendAsync(Ack("PUBREL", p.PacketId));
                else if (p.Type == "PUBCOMP") completed = true;
                else if (p.Type == "PUBLISH") await c.SendAsync(Ack("PUBREC", p.PacketId));
                else if (p.Type == "PUBREL") released = true;
            }
            await Bye(c);
        })).AssertFailedExactly("inbound.qos2-pubrec-pubcomp");

    [Fact]
    public async Task Connect_keepalive_other_than_configured_fails_only_connect_fields() =>
        // Not an MQTT rule but the configuration check: `--keepalive 30` was configured, the CONNECT says 60.
        (await Session("raw-wrong-keepalive", Bye, Connect("raw-wrong-keepalive", keepAlive: 60), "--keepalive", "30"))
        .AssertFailedExactly("connect.fields");
}
