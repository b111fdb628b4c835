using System.Collections.Concurrent;
using Air780Bridge.Harness.Faults.Server;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Tap;

// Server-side faults: bytes the tap itself sends toward the module (docs/harness.md, "Server faults").
public sealed partial class WireTap
{
    private const int RawHexLimit = 64;
    private readonly ConcurrentDictionary<string, TimeSpan> _lateConnack = new();
    private int _lateConnackHooked;

    /// <summary>Writes a server fault's bytes toward the module on <paramref name="conn"/>, on every open connection of
    /// <paramref name="clientId"/>, or (both null) on every open connection. The timeline gets one "fault" entry (its
    /// name, summary and the first bytes as hex) and each packet as sent, decoded like the broker's and marked "injected".</summary>
    public async Task InjectAsync(string fault, ServerFaultArgs args, string? conn = null, string? clientId = null)
    {
        var builder = ServerFaults.Get(fault);
        var targets = clientId is null ? Targets(conn).ToArray() : Targets(conn).Where(c => c.ClientId == clientId).ToArray();
        if (targets.Length == 0)
            throw new ArgumentException($"{fault}: no open tap connection{(clientId is null ? "" : $" of client id '{clientId}'")}; open ones: {string.Join(", ", _connections.Keys.Order())}");
        var bytes = builder.Build(args);
        foreach (var target in targets)
            await InjectAsync(target, fault, builder.Summary, bytes);
    }

    private async Task InjectAsync(TapConnection target, string fault, string summary, InjectedBytes bytes)
    {
        var all = bytes.All;
        var segments = bytes.Segments();
        var hex = all.Length <= RawHexLimit ? Convert.ToHexString(all) : $"{Convert.ToHexString(all, 0, RawHexLimit)}... ({all.Length} bytes)";
        var how = segments.Count > bytes.Packets.Count ? $"; in {segments.Count} segments of {bytes.SegmentSize} B" : "";
        Record(new TimelineEntry { T = TimelineClock.NowUs, Kind = "fault", Conn = target.Id, Dir = "down", Type = fault, Raw = hex, Detail = summary + how });
        foreach (var packet in bytes.Packets)
            // The harness built these bytes itself: no size limit (an oversize fault may pass the peer limit on purpose).
            foreach (var frame in new MqttDecoder(int.MaxValue).Feed(packet, target.Id, "down"))
                Record(frame.Entry with { Detail = frame.Entry.Detail is { } d ? $"injected ({fault}): {d}" : $"injected ({fault})" });
        try
        {
            await target.WriteDownAsync(segments, bytes.Gap);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // The module may close while a slow fault is still writing; the timeline shows how far it got.
            RecordFault("inject-failed", target.Id, $"{fault}: {e.Message}");
        }
    }

    /// <summary>While set for <paramref name="clientId"/>, its CONNECTs are swallowed and the tap answers CONNACK 0 after
    /// <paramref name="delay"/> (if the module is still connected then); null clears it.</summary>
    public Task LateConnackAsync(string clientId, TimeSpan? delay)
    {
        if (Interlocked.Exchange(ref _lateConnackHooked, 1) == 0) Timeline.Appended += OnLateConnackCandidate;
        if (delay is { } d)
        {
            _lateConnack[clientId] = d;
            MutedClients[clientId] = true;
            RecordFault("late-connack", null, $"{clientId}: CONNACK after {d.TotalMilliseconds:0} ms");
        }
        else
        {
            _lateConnack.TryRemove(clientId, out _);
            MutedClients.TryRemove(clientId, out _);
            RecordFault("prompt-connack", null, clientId);
        }
        return Task.CompletedTask;
    }

    private void OnLateConnackCandidate(TimelineEntry e)
    {
        if (e is not { Kind: "packet", Type: "CONNECT", Dir: "up", ClientId: { } id, Conn: { } conn } || !_lateConnack.TryGetValue(id, out var delay)) return;
        _ = Task.Run(async () =>
        {
            await Task.Delay(delay);
            if (_connections.TryGetValue(conn, out var target))
                await InjectAsync(target, "late-connack", $"CONNACK 0 sent {delay.TotalMilliseconds:0} ms after CONNECT", new InjectedBytes([[0x20, 0x02, 0x00, 0x00]]));
            else
                RecordFault("late-connack", conn, $"the module closed before the CONNACK due {delay.TotalMilliseconds:0} ms after CONNECT");
        });
    }
}
