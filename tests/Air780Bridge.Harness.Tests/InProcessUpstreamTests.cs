using System.Buffers;
using MQTTnet;
using MQTTnet.Protocol;

namespace Air780Bridge.Harness.Tests;

/// <summary>The tap reaches the embedded broker through in-memory pipes: a connection must still behave as TCP does.</summary>
public class InProcessUpstreamTests
{
    [Fact]
    public async Task A_module_that_vanishes_ends_its_broker_session_and_its_will_is_published()
    {
        await using var harness = await H.Start();
        var watcher = await H.Connect(harness, "watcher");
        var will = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.ApplicationMessageReceivedAsync += e =>
        {
            will.TrySetResult(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await watcher.SubscribeAsync("/will/mod", MqttQualityOfServiceLevel.AtLeastOnce);
        var module = await H.Connect(harness, "mod", o => o.WithWillTopic("/will/mod").WithWillPayload("gone"u8.ToArray()));
        var conn = harness.Timeline.Snapshot().Last(e => e is { Type: "CONNECT", ClientId: "mod" }).Conn!;
        await harness.DropAsync(conn);
        // Only a broker that saw the connection end without DISCONNECT sends the will [MQTT-3.1.2-8].
        Assert.Equal("gone", await will.Task.WaitAsync(H.Timeout));
        // The broker reacts on the thread that closed the pipe; the timeline must still show cause before effect, or
        // the will check finds no delivery after the close.
        var entries = harness.Timeline.Snapshot().ToList();
        var close = entries.Single(e => e is { Kind: "connection", Type: "close" } && e.Conn == conn);
        var delivery = entries.Single(e => e is { Type: "PUBLISH", Dir: "down", Topic: "/will/mod" });
        Assert.True(close.T <= delivery.T && entries.IndexOf(close) < entries.IndexOf(delivery), $"close at {close.T} us, will delivered at {delivery.T} us");
        module.Dispose();
    }

    [Fact]
    public async Task A_packet_larger_than_the_pipe_buffers_arrives_whole()
    {
        await using var harness = await H.Start();
        var payload = new byte[600 * 1024]; // the tap's limit is 1 MiB; a pipe pauses its writer at 64 KiB
        new Random(7).NextBytes(payload);
        var subscriber = await H.Connect(harness, "sub");
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(e.ApplicationMessage.Payload.ToArray());
            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync("/big", MqttQualityOfServiceLevel.AtLeastOnce);
        var publisher = await H.Connect(harness, "pub");
        await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("/big").WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(payload, await received.Task.WaitAsync(H.Timeout));
        var publishes = harness.Timeline.Snapshot().Where(e => e.Type == "PUBLISH").ToList();
        Assert.Equal(["up", "down"], publishes.Select(e => e.Dir));
        Assert.All(publishes, e => Assert.Equal(payload.Length, e.PayloadSize));
    }

    [Fact]
    public async Task A_session_the_broker_ends_is_recorded_as_the_brokers_close_even_while_the_module_writes()
    {
        await using var harness = await H.Start();
        var module = await H.Connect(harness, "busy");
        var disconnected = H.Disconnected(module);
        using var flooding = new CancellationTokenSource();
        var flood = Task.Run(async () =>
        {
            var message = new MqttApplicationMessageBuilder().WithTopic("/flood").WithPayload(new byte[512]).Build();
            while (!flooding.IsCancellationRequested && module.IsConnected)
                try { await module.PublishAsync(message); } catch (Exception) { return; }
        });
        await harness.Timeline.WaitForAsync(e => e is { Type: "PUBLISH", Dir: "up" }, H.Timeout);
        await harness.KickWithDuplicateClientIdAsync("c1");
        await disconnected.WaitAsync(H.Timeout);
        await flooding.CancelAsync();
        await flood;
        // The checks read "module closed" and "up stream error" as the client's doing; this close was the broker's.
        var close = await harness.Timeline.WaitForAsync(e => e is { Kind: "connection", Type: "close", Conn: "c1" }, H.Timeout);
        Assert.Equal("broker closed", close.Detail);
        module.Dispose();
    }
}
