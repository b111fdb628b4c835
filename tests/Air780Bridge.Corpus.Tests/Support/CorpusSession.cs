using System.Net;
using Air780Bridge.Harness;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Harness.Checks;
using Air780Bridge.Harness.Timeline;
using Air780Bridge.Tests;

namespace Air780Bridge.Corpus.Tests.Support;

/// <summary>
/// One corpus session: the harness broker behind the wire tap on loopback (what `air780 broker` runs), the clients
/// under test dial it, and the recorded timeline is judged by the real `air780 check`.
/// </summary>
public sealed class CorpusSession : IAsyncDisposable
{
    /// <summary>Upper bound for any one awaited event on a loaded 2-core machine; never a sleep, only a give-up time.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _dir = new("corpus-");

    private CorpusSession(HarnessBroker harness) => Harness = harness;

    public HarnessBroker Harness { get; }
    public Timeline Timeline => Harness.Timeline;
    public string Host => Harness.Plain.Host;
    public int Port => Harness.Plain.Port;
    public string PortText => Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<CorpusSession> StartAsync(HarnessSettings? settings = null) =>
        new(await HarnessBroker.StartAsync((settings ?? new HarnessSettings()) with { BindAddress = IPAddress.Loopback, Port = 0 }));

    public Task<TimelineEntry> WaitForAsync(Func<TimelineEntry, bool> match) => Timeline.WaitForAsync(match, Timeout);

    /// <summary>Tap connections that carried a CONNECT with <paramref name="clientId"/>, in order. Predicates read the
    /// timeline rather than keep state: the tap appends from several threads.</summary>
    public IReadOnlyList<string> ConnectionsOf(string clientId) =>
        Timeline.Snapshot().Where(e => e.IsPacket("CONNECT", "up") && e.ClientId == clientId).Select(e => e.Conn!).Distinct().ToList();

    /// <summary>Waits until the tap has recorded every connection of <paramref name="clientId"/> as closed, so the
    /// timeline is complete for it (a client process may exit before the tap has seen its FIN).</summary>
    public async Task ClosedAsync(string clientId)
    {
        foreach (var conn in ConnectionsOf(clientId))
            await WaitForAsync(e => e.Conn == conn && e.IsConnection("close"));
    }

    /// <summary>Waits for the <paramref name="nth"/> packet of <paramref name="type"/> in direction <paramref name="dir"/> on the connections of <paramref name="clientId"/>.</summary>
    public async Task<TimelineEntry> PacketAsync(string clientId, string type, string dir, int nth = 1)
    {
        await WaitForAsync(e => e.IsPacket(type, dir) && Packets(clientId, type, dir).Count >= nth);
        return Packets(clientId, type, dir)[nth - 1];
    }

    /// <summary>The packets of <paramref name="type"/> in direction <paramref name="dir"/> recorded so far on the connections of <paramref name="clientId"/>.</summary>
    public IReadOnlyList<TimelineEntry> Packets(string clientId, string type, string dir)
    {
        var conns = ConnectionsOf(clientId);
        return Timeline.Snapshot().Where(e => e.IsPacket(type, dir) && conns.Contains(e.Conn!)).ToList();
    }

    /// <summary>How late a ping at exactly the keep alive may be seen on a loaded host before the corpus calls the client
    /// silent (finding F6): well inside the server's 1.5 × keep alive grace.</summary>
    public const double PingLatenessMs = 1000;

    /// <summary>The corpus's own bound while F6 stands: no gap between two packets <paramref name="clientId"/> sent exceeds
    /// its keep alive by more than <see cref="PingLatenessMs"/>, so tolerating keepalive.limit's Fail masks no real silence.</summary>
    public void AssertSilenceAtMost(string clientId, int keepAliveSeconds)
    {
        var t = Timeline.Snapshot();
        foreach (var conn in ConnectionsOf(clientId))
        {
            var sent = t.Where(e => e.Conn == conn && e.IsUp()).ToList();
            for (var i = 1; i < sent.Count; i++)
            {
                var gap = Wire.Ms(sent[i - 1].T, sent[i].T);
                Assert.True(gap <= keepAliveSeconds * 1000 + PingLatenessMs,
                    $"{clientId} silent {gap:0} ms on {conn} between {sent[i - 1].Type} and {sent[i].Type}, keep alive {keepAliveSeconds} s");
            }
        }
    }

    /// <summary>Saves the timeline as `air780 broker --timeline` does and judges <paramref name="clientId"/> with
    /// `air780 check --client-id` and no firmware profile: plain MQTT 3.1.1.</summary>
    public async Task<Verdicts> JudgeAsync(string clientId, params string[] options)
    {
        await ClosedAsync(clientId);
        var path = Path.Combine(_dir.Path, $"judged-{clientId}.jsonl");
        await Timeline.SaveAsync(path);
        return await Air780Check.RunAsync(path, ["--client-id", clientId, .. options]);
    }

    public async ValueTask DisposeAsync()
    {
        await Harness.DisposeAsync();
        _dir.Dispose();
    }
}
