using Air780Bridge.Client.Link;
using System.Runtime.Versioning;
using Air780Bridge.Twin;
using Air780Bridge.Twin.Link;

namespace Air780Bridge.Client.Tests;

/// <summary>
/// An event flood beyond what the link carries, on a twin: the twin's VUART raises "sent" only as the host takes
/// the bytes, so the agent's tx window fills, its event queue drops and reports, and the host counts exactly what
/// the agent dropped (issue 10: the twin raised "sent" at once, a flood gave 0 drops and replies minutes late).
/// </summary>
// The twin's serial side is a Linux pty (PtyLink).
[SupportedOSPlatform("linux")]
public sealed class TwinFloodTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "air780-flood-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static string FloodScript => File.ReadAllText(Path.Combine(Air780Bridge.Tests.Repository.Root, "tests", "Air780Bridge.Agent.Tests", "lua", "flood_main.lua"));

    [Fact]
    public async Task A_flood_faster_than_the_link_drops_events_and_the_host_counts_exactly_what_the_agent_dropped()
    {
        using var module = new VirtualModule(new VirtualModuleOptions { Name = "flood", Script = FloodScript });
        module.Start();
        using var link = new PtyLink(module.Serial, "flood", _dir, new LinkConditioner { Baud = 115200 });
        // The agent may pause mid-frame until the VUART has room; on a saturated test machine its Lua thread can then be
        // late past the 500 ms torn-frame limit, and a resync would lose an event this test counts. Torn frames are
        // tested elsewhere (FrameReader tests); here only the drop accounting is judged.
        await using var client = await Air780Client.ConnectAsync(link.ConnectionString, new LinkOptions { FrameTimeout = TimeSpan.FromSeconds(10) });
        long reported = 0, delivered = 0, gaps = 0;
        client.EventReceived += e =>
        {
            switch (e)
            {
                case EventsDroppedEvent d: Interlocked.Add(ref reported, d.Count); break;
                case SysEvent { Name: "MQTT_PONG" }: Interlocked.Increment(ref delivered); break;
                case EventGapEvent g: Interlocked.Add(ref gaps, g.Lost); break;
            }
        };
        await client.CallAsync("mqtt.create", [null, "127.0.0.1", 1883L]);
        long agentDropped = -1;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            var stats = (Dictionary<object, object?>)(await client.CallAsync("agent.stats", [], timeout: TimeSpan.FromSeconds(30)))[0]!;
            agentDropped = (long)stats["events_dropped"]!;
            if (Interlocked.Read(ref delivered) + Interlocked.Read(ref reported) == 8000)
                break;
            await Task.Delay(200);
        }
        Assert.True(agentDropped > 1000, $"the link carries about 11.5 KB/s, the flood 100 KB/s: the agent must drop, dropped {agentDropped}");
        Assert.True(8000 == Interlocked.Read(ref delivered) + Interlocked.Read(ref reported),
            $"delivered {delivered} + reported dropped {reported} != 8000; the agent counted {agentDropped} dropped, gaps {gaps}; reader {client.Stats.Reader}");
        Assert.Equal(agentDropped, Interlocked.Read(ref reported));
        Assert.Equal(0, Interlocked.Read(ref gaps));
    }
}
