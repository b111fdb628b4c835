using Air780Bridge.Corpus.Tests.Support;
using Air780Bridge.Harness.Checks;

namespace Air780Bridge.Corpus.Tests;

/// <summary>
/// Debian's python3-paho-mqtt (1.6, run by /usr/bin/python3; Clients/paho_client.py holds the sessions) against the
/// harness broker, each client judged by `air780 check` without a firmware profile.
/// </summary>
public sealed class PahoClientTests
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Clients", "paho_client.py");

    private static ToolRun Paho(CorpusSession s, string clientId, params string[] scenario) =>
        Tool.Python.Start([Script, s.Host, s.PortText, clientId, .. scenario]);

    [ToolFact("paho")]
    public async Task Qos_0_1_2_round_trips_get_no_fail()
    {
        await using var s = await CorpusSession.StartAsync();
        foreach (var qos in new[] { "0", "1", "2" })
        {
            await using var paho = Paho(s, $"paho-q{qos}", "qos", qos);
            await paho.SucceededAsync();
        }
        foreach (var qos in new[] { "0", "1", "2" })
        {
            var verdicts = await s.JudgeAsync($"paho-q{qos}");
            verdicts.AssertNoFail();
            verdicts.AssertPassed(CheckIds.PacketIdNonZero, CheckIds.PacketIdNotReusedInFlight);
            if (qos == "1") verdicts.AssertPassed(CheckIds.InboundQos1Puback);
            if (qos == "2") verdicts.AssertPassed(CheckIds.InboundQos2PubrecPubcomp);
        }
    }

    [ToolFact("paho")]
    public async Task Will_with_username_and_password_gets_no_fail()
    {
        await using var s = await CorpusSession.StartAsync(new() { Credentials = [("corpus", "s3cret")] });
        await using (var paho = Paho(s, "paho-will", "will", "corpus", "s3cret")) await paho.SucceededAsync();
        var verdicts = await s.JudgeAsync("paho-will");
        verdicts.AssertNoFail();
        verdicts.AssertPassed(CheckIds.ConnectPasswordWithoutUsername, CheckIds.ConnectFields);
    }

    [ToolFact("paho")]
    public async Task Keepalive_2s_pinging_at_its_keepalive_gets_no_fail()
    {
        await using var s = await CorpusSession.StartAsync();
        await using (var paho = Paho(s, "paho-keepalive", "keepalive", "2", "2")) await paho.SucceededAsync();
        var verdicts = await s.JudgeAsync("paho-keepalive", "--keepalive", "2");
        // F3 (fixed): the LuatOS 3/4-keepalive ping period was judged without a profile.
        verdicts.AssertNoFail(Findings.KeepaliveJitter);
        s.AssertSilenceAtMost("paho-keepalive", 2);
    }

    [ToolFact("paho")]
    public async Task Clean_session_off_leave_and_resume_gets_no_fail()
    {
        await using var s = await CorpusSession.StartAsync();
        await using (var paho = Paho(s, "paho-persist", "persist")) await paho.SucceededAsync();
        var verdicts = await s.JudgeAsync("paho-persist");
        verdicts.AssertNoFail();
        verdicts.AssertPassed(CheckIds.InboundQos1Puback);
    }

    [ToolFact("paho")]
    public async Task Qos1_in_flight_at_a_drop_is_resent_with_dup_after_reconnect()
    {
        await using var s = await CorpusSession.StartAsync();
        // The first PUBACK never reaches paho and the tap then cuts the connection: [MQTT-4.4.0-1] wants the
        // unacknowledged PUBLISH re-sent, DUP set, when a clean-session-off client reconnects.
        await s.Harness.WithholdAsync("PUBACK");
        await using var paho = Paho(s, "paho-resend", "resend");
        var first = await s.PacketAsync("paho-resend", "PUBLISH", "up");
        await s.WaitForAsync(e => e is { Kind: "fault", Type: "withheld" } && e.Conn == first.Conn);
        await s.Harness.ReleaseAsync("PUBACK");
        await s.Harness.DropAsync(first.Conn);
        await paho.SucceededAsync();
        var resent = await s.PacketAsync("paho-resend", "PUBLISH", "up", 2);
        Assert.True(resent.Dup == true && resent.PacketId == first.PacketId && resent.Conn != first.Conn, $"expected a DUP re-send of id {first.PacketId} on a new connection, got {resent}");
        var verdicts = await s.JudgeAsync("paho-resend");
        verdicts.AssertNoFail(); // F5 (fixed): the LuatOS no-resend rule failed this compliant re-send
    }
}
