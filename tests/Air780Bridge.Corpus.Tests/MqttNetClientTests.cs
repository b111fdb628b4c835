using Air780Bridge.Corpus.Tests.Support;
using Air780Bridge.Harness.Checks;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Air780Bridge.Corpus.Tests;

/// <summary>The MQTTnet client (the package the harness already uses) speaking MQTT 3.1.1 to the harness broker, judged by `air780 check` without a profile.</summary>
public sealed class MqttNetClientTests
{
    private static MqttClientOptionsBuilder Options(CorpusSession s, string clientId) =>
        new MqttClientOptionsBuilder().WithTcpServer(s.Host, s.Port).WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V311).WithTimeout(CorpusSession.Timeout);

    private static async Task<IMqttClient> Connect(MqttClientOptionsBuilder options)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(options.Build());
        return client;
    }

    /// <summary>Subscribes to <paramref name="topic"/>, publishes one message there at <paramref name="qos"/> and waits for it to come back.</summary>
    private static async Task RoundTrip(IMqttClient client, string topic, MqttQualityOfServiceLevel qos)
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e => { if (e.ApplicationMessage.Topic == topic) received.TrySetResult(); return Task.CompletedTask; };
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, qos).Build());
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload($"mqttnet at {qos}").WithQualityOfServiceLevel(qos).Build());
        await received.Task.WaitAsync(CorpusSession.Timeout);
    }

    [Fact]
    public async Task Qos_0_1_2_round_trips_get_no_fail()
    {
        await using var s = await CorpusSession.StartAsync();
        foreach (var qos in Enum.GetValues<MqttQualityOfServiceLevel>())
        {
            using var client = await Connect(Options(s, $"mqttnet-q{(int)qos}"));
            await RoundTrip(client, $"corpus/mqttnet/q{(int)qos}", qos);
            // The message reaches the handler before the client's last ack is sent; a DISCONNECT before it would leave
            // the inbound flow unfinished, which the check rightly does not pass.
            if (qos != MqttQualityOfServiceLevel.AtMostOnce)
                await s.PacketAsync($"mqttnet-q{(int)qos}", qos == MqttQualityOfServiceLevel.AtLeastOnce ? "PUBACK" : "PUBCOMP", "up");
            await client.DisconnectAsync();
        }
        foreach (var qos in new[] { 0, 1, 2 })
        {
            var verdicts = await s.JudgeAsync($"mqttnet-q{qos}");
            verdicts.AssertNoFail();
            verdicts.AssertPassed(CheckIds.PacketIdNonZero, CheckIds.PacketIdNotReusedInFlight);
            if (qos == 1) verdicts.AssertPassed(CheckIds.InboundQos1Puback);
            if (qos == 2) verdicts.AssertPassed(CheckIds.InboundQos2PubrecPubcomp);
        }
    }

    [Fact]
    public async Task Will_with_username_and_password_gets_no_fail()
    {
        await using var s = await CorpusSession.StartAsync(new() { Credentials = [("corpus", "s3cret")] });
        using (var client = await Connect(Options(s, "mqttnet-will").WithCredentials("corpus", "s3cret")
                   .WithWillTopic("corpus/mqttnet/will").WithWillPayload("gone").WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)))
        {
            await RoundTrip(client, "corpus/mqttnet/will-data", MqttQualityOfServiceLevel.AtLeastOnce);
            await client.DisconnectAsync();
        }
        var verdicts = await s.JudgeAsync("mqttnet-will");
        verdicts.AssertNoFail();
        verdicts.AssertPassed(CheckIds.ConnectPasswordWithoutUsername, CheckIds.ConnectFields);
    }

    [Fact]
    public async Task Keepalive_2s_pinging_at_its_keepalive_gets_no_fail()
    {
        await using var s = await CorpusSession.StartAsync();
        using (var client = await Connect(Options(s, "mqttnet-keepalive").WithKeepAlivePeriod(TimeSpan.FromSeconds(2))))
        {
            await s.PacketAsync("mqttnet-keepalive", "PINGRESP", "down", 2);
            await client.DisconnectAsync();
        }
        var verdicts = await s.JudgeAsync("mqttnet-keepalive", "--keepalive", "2");
        // F3 (fixed): the LuatOS 3/4-keepalive ping period was judged without a profile.
        verdicts.AssertNoFail(Findings.KeepaliveJitter);
        s.AssertSilenceAtMost("mqttnet-keepalive", 2);
    }

    [Fact]
    public async Task Clean_session_off_leave_and_resume_gets_no_fail()
    {
        await using var s = await CorpusSession.StartAsync();
        var options = Options(s, "mqttnet-persist").WithCleanSession(false);
        using (var client = await Connect(options))
        {
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("corpus/mqttnet/persist", MqttQualityOfServiceLevel.AtLeastOnce).Build());
            await client.DisconnectAsync();
        }
        using (var client = await Connect(options))
        {
            await RoundTrip(client, "corpus/mqttnet/persist", MqttQualityOfServiceLevel.AtLeastOnce);
            await client.DisconnectAsync();
        }
        var verdicts = await s.JudgeAsync("mqttnet-persist");
        verdicts.AssertNoFail();
        verdicts.AssertPassed(CheckIds.InboundQos1Puback);
    }
}
