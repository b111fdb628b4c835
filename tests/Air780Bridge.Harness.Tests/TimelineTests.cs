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

        var all = harness.Timeline.Snapshot();
        Assert.All(all.Zip(all.Skip(1)), p => Assert.True(p.First.T <= p.Second.T));
        // A loaded test machine may add host stalls anywhere (HostStalls); this session is the rest.
        var entries = all.Where(e => e.Kind != "host").ToList();
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

    [Fact]
    public async Task A_spooled_timeline_writes_its_file_as_it_grows_and_reads_every_entry_back_in_order()
    {
        using var temp = new TempPath();
        using var timeline = HarnessTimeline.Spooled(temp.Path);
        const int count = 5000; // several spool blocks, the last one partial
        for (var i = 0; i < count; i++)
            timeline.Append(new TimelineEntry { T = i, Kind = "packet", Conn = $"c{i % 7}", Type = "PUBLISH", PacketId = i % 65536, Topic = $"t/{i}" });
        var all = timeline.Snapshot();
        Assert.Equal(count, all.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), all.Select(e => e.T));
        // Random access across blocks, as a check indexing the list would.
        foreach (var i in new[] { 4999, 0, 1023, 1024, 2500, 4095, 4096 })
            Assert.Equal(($"t/{i}", (long)i), (all[i].Topic, all[i].T));
        Assert.Throws<ArgumentOutOfRangeException>(() => all[count]);
        // The file on disk is the JSON-lines timeline, readable while the timeline goes on.
        timeline.Append(new TimelineEntry { T = count, Kind = "fault", Type = "drop" });
        Assert.Equal(count, all.Count);
        Assert.Equal(count + 1, timeline.Snapshot().Count);
        var loaded = await HarnessTimeline.LoadAsync(temp.Path);
        Assert.Equal(timeline.Snapshot(), loaded.Snapshot());
        using var copy = new TempPath();
        await timeline.SaveAsync(copy.Path);
        Assert.Equal(await File.ReadAllTextAsync(temp.Path), await File.ReadAllTextAsync(copy.Path));
    }

    [Fact]
    public async Task A_spooled_timeline_serves_waiters_and_takes_late_entries_after_it_is_disposed()
    {
        using var temp = new TempPath();
        var timeline = HarnessTimeline.Spooled(temp.Path);
        var waiting = timeline.WaitForAsync(e => e.Type == "close", TimeSpan.FromSeconds(20));
        timeline.Append(new TimelineEntry { T = 1, Kind = "connection", Type = "open" });
        timeline.Append(new TimelineEntry { T = 2, Kind = "connection", Type = "close" });
        Assert.Equal(2, (await waiting).T);
        Assert.Equal(1, (await timeline.WaitForAsync(e => e.Type == "open", TimeSpan.FromSeconds(20))).T);
        timeline.Dispose();
        timeline.Append(new TimelineEntry { T = 3, Kind = "connection", Type = "close", Detail = "late" });
        Assert.Equal([1L, 2, 3], timeline.Snapshot().Select(e => e.T));
        Assert.Equal(3, (await File.ReadAllLinesAsync(temp.Path)).Length);
    }

    private sealed class TempPath : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"timeline-test-{Guid.NewGuid():N}.jsonl");
        public void Dispose() => File.Delete(Path);
    }
}
