using Air780Bridge.Harness.Timeline;
using MQTTnet;
using MQTTnet.Protocol;
using HarnessTimeline = Air780Bridge.Harness.Timeline.Timeline;

namespace Air780Bridge.Harness.Tests;

public class TimelineTests
{
    [Fact]
    public async Task Session_is_recorded_from_connect_to_disconnect_with_fields_and_increasing_times()
    {
        await using var harness = await H.Start();
        var client = await H.Connect(harness, "mod-1", o => o.WithKeepAlivePeriod(TimeSpan.FromSeconds(240)).WithCleanSession(true)
            .WithWillTopic("/will").WithWillPayload("bye!"u8.ToArray()).WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithWillRetain(true));
        await client.SubscribeAsync("/t", MqttQualityOfServiceLevel.ExactlyOnce);
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("/t").WithPayload("hello"u8.ToArray()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("/t").WithPayload("abc"u8.ToArray()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.ExactlyOnce).Build());
        await harness.Timeline.WaitForAsync(e => e.Type == "PUBCOMP" && e.Dir == "up", H.Timeout); // QoS2 delivery to the subscriber ends here
        await client.DisconnectAsync();
        await harness.Timeline.WaitForAsync(e => e.Type == "close", H.Timeout);

        var entries = harness.Timeline.Snapshot();
        Assert.All(entries.Zip(entries.Skip(1)), p => Assert.True(p.First.T <= p.Second.T));
        Assert.Equal("open", entries[0].Type);
        var connect = Assert.Single(entries, e => e.Type == "CONNECT");
        Assert.Equal(("mod-1", 240, true, false), (connect.ClientId, connect.KeepAlive, connect.CleanSession, connect.PasswordFlag));
        Assert.Equal(("/will", 4, 1, true), (connect.WillTopic, connect.WillPayloadSize, connect.WillQos, connect.WillRetain));
        Assert.Equal(0, Assert.Single(entries, e => e.Type == "CONNACK").Code);
        Assert.Equal(2, Assert.Single(entries, e => e.Type == "SUBACK").Code);
        var up1 = Assert.Single(entries, e => e is { Type: "PUBLISH", Dir: "up", Qos: 1 });
        Assert.Equal(("/t", 5, false, false), (up1.Topic, up1.PayloadSize, up1.Dup, up1.Retain));
        Assert.Contains(entries, e => e is { Type: "PUBACK", Dir: "down" } && e.PacketId == up1.PacketId);
        var up2 = Assert.Single(entries, e => e is { Type: "PUBLISH", Dir: "up", Qos: 2 });
        foreach (var (type, dir) in new[] { ("PUBREC", "down"), ("PUBREL", "up"), ("PUBCOMP", "down") })
            Assert.Contains(entries, e => e.Type == type && e.Dir == dir && e.PacketId == up2.PacketId);
        // The broker's QoS2 delivery of the subscription back to the client runs the other way.
        Assert.Contains(entries, e => e is { Type: "PUBLISH", Dir: "down", Qos: 2 });
        Assert.Contains(entries, e => e is { Type: "PUBREC", Dir: "up" });
        Assert.Equal("DISCONNECT", entries.Last(e => e.Kind == "packet").Type);
        Assert.All(entries.Where(e => e.Kind != "fault"), e => Assert.Equal("c1", e.Conn));
    }

    [Fact]
    public async Task Json_lines_round_trip_omits_nulls_and_uses_camel_case()
    {
        var timeline = new HarnessTimeline();
        timeline.Append(new TimelineEntry { T = 5, Kind = "packet", Conn = "c1", Dir = "up", Type = "CONNECT", ClientId = "x", KeepAlive = 60, WillRetain = false });
        timeline.Append(new TimelineEntry { T = 9, Kind = "malformed", Raw = "FF00" });
        var path = Path.GetTempFileName();
        try
        {
            await timeline.SaveAsync(path);
            var lines = await File.ReadAllLinesAsync(path);
            Assert.Equal("""{"t":9,"kind":"malformed","raw":"FF00"}""", lines[1]);
            var loaded = await HarnessTimeline.LoadAsync(path);
            Assert.Equal(timeline.Snapshot(), loaded.Snapshot());
            await File.AppendAllTextAsync(path, "not json\n");
            var ex = await Assert.ThrowsAsync<FormatException>(() => HarnessTimeline.LoadAsync(path));
            Assert.Contains(":3:", ex.Message);
        }
        finally { File.Delete(path); }
    }
}
