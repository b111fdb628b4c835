using Air780Bridge.Harness.Checks;
using Air780Bridge.Corpus.Tests.Support;

namespace Air780Bridge.Corpus.Tests;

/// <summary>
/// Debian's mosquitto_pub / mosquitto_sub (libmosquitto) against the harness broker, each session judged by
/// `air780 check` without a firmware profile. A compliant client must get no Fail.
/// </summary>
public sealed class MosquittoClientTests
{
    /// <summary>Options every run shares: loopback, the tap's port, MQTT 3.1.1 (mosquitto 2 also speaks 5.0).</summary>
    private static string[] Dial(CorpusSession s, string clientId, params string[] more) =>
        ["-h", s.Host, "-p", s.PortText, "-V", "mqttv311", "-i", clientId, .. more];

    /// <summary>Starts mosquitto_sub and returns once the broker has acknowledged its subscription.</summary>
    private static async Task<ToolRun> Subscribed(CorpusSession s, string clientId, params string[] more)
    {
        var earlier = s.Packets(clientId, "SUBACK", "down").Count;
        var sub = Tool.MosquittoSub.Start(Dial(s, clientId, more));
        await s.PacketAsync(clientId, "SUBACK", "down", earlier + 1);
        return sub;
    }

    [ToolFact("mosquitto")]
    public async Task Qos_0_1_2_publish_and_subscribe_get_no_fail()
    {
        await using var s = await CorpusSession.StartAsync();
        foreach (var qos in new[] { "0", "1", "2" })
        {
            await using var sub = await Subscribed(s, $"mq-sub-q{qos}", "-t", $"corpus/mq/q{qos}", "-q", qos, "-C", "1");
            await Tool.MosquittoPub.RunAsync(Dial(s, $"mq-pub-q{qos}", "-t", $"corpus/mq/q{qos}", "-q", qos, "-m", $"hello at qos {qos}"));
            Assert.Equal($"hello at qos {qos}\n", await sub.SucceededAsync());
        }
        foreach (var qos in new[] { "0", "1", "2" })
        {
            (await s.JudgeAsync($"mq-pub-q{qos}")).AssertNoFail();
            var sub = await s.JudgeAsync($"mq-sub-q{qos}");
            sub.AssertNoFail();
            sub.AssertPassed(CheckIds.PacketIdNonZero, CheckIds.PacketIdNotReusedInFlight);
        }
        (await s.JudgeAsync("mq-sub-q1")).AssertPassed(CheckIds.InboundQos1Puback);
        (await s.JudgeAsync("mq-sub-q2")).AssertPassed(CheckIds.InboundQos2PubrecPubcomp);
    }

    [ToolFact("mosquitto")]
    public async Task Retained_publish_then_late_subscriber_get_no_fail()
    {
        await using var s = await CorpusSession.StartAsync();
        await Tool.MosquittoPub.RunAsync(Dial(s, "mq-retain-pub", "-t", "corpus/mq/retained", "-q", "1", "-r", "-m", "kept"));
        var sub = await Tool.MosquittoSub.RunAsync(Dial(s, "mq-retain-sub", "-t", "corpus/mq/retained", "-q", "1", "-C", "1"));
        Assert.Equal("kept\n", sub);
        (await s.JudgeAsync("mq-retain-pub")).AssertNoFail();
        var verdicts = await s.JudgeAsync("mq-retain-sub");
        verdicts.AssertNoFail();
        verdicts.AssertPassed(CheckIds.SubscribeRetainedDelivered, CheckIds.InboundQos1Puback);
    }

    [ToolFact("mosquitto")]
    public async Task Username_and_password_get_no_fail()
    {
        await using var s = await CorpusSession.StartAsync(new() { Credentials = [("corpus", "s3cret")] });
        await Tool.MosquittoPub.RunAsync(Dial(s, "mq-auth", "-u", "corpus", "-P", "s3cret", "-t", "corpus/mq/auth", "-q", "1", "-m", "signed in"));
        var verdicts = await s.JudgeAsync("mq-auth");
        verdicts.AssertNoFail();
        verdicts.AssertPassed(CheckIds.ConnectPasswordWithoutUsername);
    }

    [ToolFact("mosquitto")]
    public async Task Will_after_clean_disconnect_and_after_abrupt_loss_get_no_fail()
    {
        await using var s = await CorpusSession.StartAsync();
        string[] Will(string topic) => ["--will-topic", topic, "--will-payload", "gone", "--will-qos", "1"];
        await using var watcher = await Subscribed(s, "mq-will-watch", "-t", "corpus/mq/will/#", "-q", "1", "-C", "1", "-v");
        // A clean DISCONNECT discards the will (the watcher sees nothing on .../clean)...
        await Tool.MosquittoPub.RunAsync(Dial(s, "mq-will-clean", [.. Will("corpus/mq/will/clean"), "-t", "corpus/mq/data", "-q", "1", "-m", "bye"]));
        // ...an abrupt loss (the process killed: FIN without DISCONNECT) publishes it, which ends the watcher. Each
        // client has its own will topic, so the check can tell whose will a delivery is.
        await using (await Subscribed(s, "mq-will-lost", [.. Will("corpus/mq/will/lost"), "-t", "corpus/mq/idle"])) { }
        Assert.Equal("corpus/mq/will/lost gone\n", await watcher.SucceededAsync());
        (await s.JudgeAsync("mq-will-clean")).AssertNoFail(); // F1 (fixed): another client's will was blamed on this clean DISCONNECT
        var lost = await s.JudgeAsync("mq-will-lost");
        lost.AssertNoFail();
        lost.AssertPassed(CheckIds.WillOnAbruptLossOnly);
        (await s.JudgeAsync("mq-will-watch")).AssertNoFail();
    }

    [ToolFact("mosquitto")]
    public async Task Keepalive_5s_with_a_ping_gets_no_fail()
    {
        await using var s = await CorpusSession.StartAsync();
        // mosquitto accepts no keepalive below 5 s; one PINGREQ/PINGRESP round shows it keeps the connection alive.
        await using var sub = await Subscribed(s, "mq-keepalive", "-k", "5", "-t", "corpus/mq/ka", "-C", "1");
        await s.PacketAsync("mq-keepalive", "PINGRESP", "down");
        await Tool.MosquittoPub.RunAsync(Dial(s, "mq-keepalive-pub", "-t", "corpus/mq/ka", "-m", "after a ping"));
        await sub.SucceededAsync();
        var verdicts = await s.JudgeAsync("mq-keepalive", "--keepalive", "5");
        verdicts.AssertNoFail(Findings.KeepaliveJitter);
        s.AssertSilenceAtMost("mq-keepalive", 5);
        verdicts.AssertPassed(CheckIds.ConnectFields);
    }

    [ToolFact("mosquitto")]
    public async Task Clean_session_off_subscribe_leave_and_resume_gets_no_fail()
    {
        await using var s = await CorpusSession.StartAsync();
        // The embedded broker keeps no session across connections (finding F2), so the resumed session subscribes
        // again and gets its message while connected rather than one queued offline.
        string[] persistent = ["-c", "-q", "1", "-t", "corpus/mq/persist"];
        await Tool.MosquittoSub.RunAsync(Dial(s, "mq-persist", [.. persistent, "-E"]));
        await using (var resumed = await Subscribed(s, "mq-persist", [.. persistent, "-C", "1"]))
        {
            await Tool.MosquittoPub.RunAsync(Dial(s, "mq-persist-pub", "-t", "corpus/mq/persist", "-q", "1", "-m", "delivered"));
            Assert.Equal("delivered\n", await resumed.SucceededAsync());
        }
        var verdicts = await s.JudgeAsync("mq-persist");
        verdicts.AssertNoFail();
        verdicts.AssertPassed(CheckIds.InboundQos1Puback, CheckIds.ConnectFields);
        (await s.JudgeAsync("mq-persist-pub")).AssertNoFail();
    }
}
