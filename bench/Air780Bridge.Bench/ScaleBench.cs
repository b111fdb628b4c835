using System.Net;
using Air780Bridge.Harness;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Harness.Timeline;
using Air780Bridge.Protocol;
using Air780Bridge.Rigs.Load;
using Air780Bridge.Rigs.RigFiles;

namespace Air780Bridge.Bench;

/// <summary>
/// Many twins in one process, each running the real agent with one MQTT client on the harness broker, driven by the
/// real client over its link. Target: every module keeps its keepalive schedule (PINGREQ every 75% of keepalive)
/// within the tolerance, judged from the broker-side timeline.
/// </summary>
internal static class ScaleBench
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        var modules = args.Int("modules", 100);
        var seconds = args.Int("seconds", 60);
        var keepalive = args.Int("keepalive", 15);
        var toleranceMs = args.Double("tolerance-ms", 750);
        var linkKind = BenchSupport.Link(args.Text("link", BenchSupport.DefaultLink));
        var broker = args.Text("broker", "");
        var jsonPath = args.Text("json", "artifacts/bench/scale.json");
        args.RejectUnknown();

        // The twin's engine: PINGREQ every keepalive*3/4 s (clamped keepalive 15..600), whatever else is sent.
        var periodMs = Math.Clamp(keepalive, 15, 600) * 1000 * 3 / 4.0;
        var mqttLimitMs = 1.5 * keepalive * 1000;
        var judgedBy = broker.Length == 0 ? "PINGREQs on the harness broker's timeline" : $"PINGRESPs the twins reported (\"pong\"), from {broker}";
        Console.WriteLine($"scale: {modules} twins over {linkKind.Name}, keepalive {keepalive} s (PINGREQ every {periodMs / 1000:0.###} s), " +
                          $"{seconds} s measured, tolerance ±{toleranceMs:0} ms, judged by {judgedBy}; {BenchSupport.Machine()}");
        if (seconds < 4 * periodMs / 1000)
            Console.WriteLine($"warning: {seconds} s gives fewer than 4 pings per module; use --seconds {Math.Ceiling(5 * periodMs / 1000)} or more");

        var ptyDirectory = Path.Combine(Path.GetTempPath(), $"air780-bench-{Environment.ProcessId}");
        var harness = broker.Length == 0 ? await HarnessBroker.StartAsync(new HarnessSettings { BindAddress = IPAddress.Loopback, Port = 0 }) : null;
        var (host, port) = harness is not null ? new HostPort(harness.Plain.Host, harness.Plain.Port) : HostPort.Parse(broker);
        var setup = new ResourceMonitor();
        TwinFleet? fleet = null;
        try
        {
            var started = DateTime.UtcNow;
            fleet = await TwinFleet.StartAsync(new FleetOptions
            {
                Count = modules, BrokerHost = host, BrokerPort = port, KeepaliveSeconds = keepalive, ClientIdPrefix = "scale",
                Link = linkKind, PtyDirectory = ptyDirectory,
            });
            var setupUse = await setup.StopAsync();
            var status = fleet.Status();
            Console.WriteLine($"{status} in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
            if (status.Failed > 0)
                throw new InvalidOperationException($"{status.Failed} twins did not connect; first: {status.FirstFailure}");

            var monitor = new ResourceMonitor();
            var t0 = MonotonicClock.NowUs;
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            var t1 = MonotonicClock.NowUs;
            var use = await monitor.StopAsync();

            var (pings, connections) = harness is not null ? PingsOnTheBroker(harness.Timeline.Snapshot()) : PongsOfTheTwins(fleet);
            var result = Analyse(pings, connections, t0, t1, modules, periodMs, toleranceMs, mqttLimitMs);
            var pass = result.Missed == 0 && result.ModulesSeen == modules && result.MinPings >= 4;
            Print(result, modules, use, setupUse, periodMs, toleranceMs, pass);
            BenchSupport.WriteJson(jsonPath, new
            {
                benchmark = "scale",
                date = DateTime.UtcNow,
                machine = BenchSupport.Machine(),
                parameters = new { modules, seconds, keepalive, pingPeriodMs = periodMs, toleranceMs, link = linkKind.Name, broker = broker.Length == 0 ? "embedded harness" : broker, judgedBy },
                target = "every module keeps its keepalive schedule within tolerance",
                verdict = pass ? "PASS" : "FAIL",
                result.ModulesSeen,
                result.Missed,
                result.MqttLimitViolations,
                result.Reconnects,
                result.MinPings,
                intervals = new { count = result.Intervals, medianMs = result.MedianMs, p99AbsDeviationMs = result.P99DeviationMs, maxAbsDeviationMs = result.MaxDeviationMs },
                measured = use,
                setup = setupUse,
                perModule = result.PerModule,
            });
            return pass ? 0 : 1;
        }
        finally
        {
            await setup.DisposeAsync();
            if (fleet is not null) await fleet.DisposeAsync();
            if (harness is not null) await harness.DisposeAsync();
            if (Directory.Exists(ptyDirectory)) Directory.Delete(ptyDirectory, recursive: true);
        }
    }

    private sealed record Ping(string ClientId, string Conn, long T);

    /// <summary>The PINGREQs that reached the broker, by the client id of their connection's CONNECT.</summary>
    private static (List<Ping>, Dictionary<string, int>) PingsOnTheBroker(IReadOnlyList<TimelineEntry> timeline)
    {
        var clientOf = timeline.Where(e => e is { Kind: "packet", Type: "CONNECT", Dir: "up", Conn: not null, ClientId: not null })
            .ToDictionary(e => e.Conn!, e => e.ClientId!);
        var pings = timeline.Where(e => e is { Kind: "packet", Type: "PINGREQ", Dir: "up" } && clientOf.ContainsKey(e.Conn!))
            .Select(e => new Ping(clientOf[e.Conn!], e.Conn!, e.T)).ToList();
        return (pings, clientOf.Values.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count()));
    }

    /// <summary>An outside broker is not watched: each twin's "pong" events (one per PINGRESP) stand for its pings,
    /// numbered by connection (the conacks before them).</summary>
    private static (List<Ping>, Dictionary<string, int>) PongsOfTheTwins(TwinFleet fleet)
    {
        var pings = new List<Ping>();
        var connections = new Dictionary<string, int>();
        foreach (var m in fleet.Members)
        {
            var conacks = 0;
            foreach (var e in m.Mqtt?.History ?? [])
            {
                if (e.Name == "conack") conacks++;
                else if (e.Name == "pong") pings.Add(new Ping(m.Name, $"{m.Name}#{conacks}", e.T));
            }
            connections[m.Name] = conacks;
        }
        return (pings, connections);
    }

    internal sealed record ModuleResult(string ClientId, int Pings, int Connections, double[] IntervalsMs, double MaxDeviationMs, bool Missed, string? Why);

    private sealed record Analysis(int ModulesSeen, int Missed, int MqttLimitViolations, int Reconnects, int MinPings, int Intervals,
        double MedianMs, double P99DeviationMs, double MaxDeviationMs, List<ModuleResult> PerModule);

    /// <summary>Per client id: ping intervals inside [t0, t1], and the silences at both ends of the window.</summary>
    private static Analysis Analyse(List<Ping> all, Dictionary<string, int> connectionsOf, long t0, long t1, int modules, double periodMs, double toleranceMs, double mqttLimitMs)
    {
        var pings = all.Where(p => p.T >= t0 && p.T <= t1).GroupBy(p => p.ClientId).ToDictionary(g => g.Key, g => g.OrderBy(p => p.T).ToList());
        var perModule = new List<ModuleResult>();
        var limitViolations = 0;
        foreach (var (clientId, connections) in connectionsOf)
        {
            var mine = pings.GetValueOrDefault(clientId) ?? [];
            // Intervals only between pings on the same connection: a reconnect restarts the schedule.
            var intervals = mine.Zip(mine.Skip(1)).Where(p => p.First.Conn == p.Second.Conn).Select(p => (p.Second.T - p.First.T) / 1000.0).ToArray();
            var leading = mine.Count > 0 ? (mine[0].T - t0) / 1000.0 : (t1 - t0) / 1000.0;
            var trailing = mine.Count > 0 ? (t1 - mine[^1].T) / 1000.0 : (t1 - t0) / 1000.0;
            var maxDeviation = intervals.Length > 0 ? intervals.Max(i => Math.Abs(i - periodMs)) : double.NaN;
            var why = connections > 1 ? $"reconnected ({connections} connections)"
                : mine.Count == 0 ? "no PINGREQ in the window"
                : maxDeviation > toleranceMs ? $"interval off by {maxDeviation:0} ms"
                : Math.Max(leading, trailing) > periodMs + toleranceMs ? $"silent for {Math.Max(leading, trailing):0} ms at the window edge"
                : null;
            if (intervals.Append(leading).Append(trailing).Any(i => i > mqttLimitMs)) limitViolations++;
            perModule.Add(new ModuleResult(clientId, mine.Count, connections, intervals, Math.Round(maxDeviation, 1), why is not null, why));
        }
        var intervalsMs = perModule.SelectMany(m => m.IntervalsMs).ToList();
        var sortedIntervals = intervalsMs.Order().ToList();
        var deviations = intervalsMs.Select(i => Math.Abs(i - periodMs)).Order().ToList();
        return new Analysis(
            ModulesSeen: perModule.Count,
            Missed: perModule.Count(m => m.Missed) + Math.Max(0, modules - perModule.Count),
            MqttLimitViolations: limitViolations,
            Reconnects: perModule.Sum(m => m.Connections - 1),
            MinPings: perModule.Count == 0 ? 0 : perModule.Min(m => m.Pings),
            Intervals: intervalsMs.Count,
            MedianMs: Math.Round(BenchSupport.Percentile(sortedIntervals, 50), 1),
            P99DeviationMs: Math.Round(BenchSupport.Percentile(deviations, 99), 1),
            MaxDeviationMs: Math.Round(deviations.LastOrDefault(double.NaN), 1),
            PerModule: perModule.OrderByDescending(m => m.Missed).ThenByDescending(m => m.MaxDeviationMs).ToList());
    }

    private static void Print(Analysis r, int modules, ResourceUse use, ResourceUse setup, double periodMs, double toleranceMs, bool pass)
    {
        Console.WriteLine();
        Console.WriteLine($"  {"ping intervals",-34}{r.Intervals,12}");
        Console.WriteLine($"  {"median interval (ms)",-34}{r.MedianMs,12:0.0}   expected {periodMs:0}");
        Console.WriteLine($"  {"p99 |interval - expected| (ms)",-34}{r.P99DeviationMs,12:0.0}");
        Console.WriteLine($"  {"max |interval - expected| (ms)",-34}{r.MaxDeviationMs,12:0.0}   tolerance {toleranceMs:0}");
        Console.WriteLine($"  {"pings per module (min)",-34}{r.MinPings,12}");
        Console.WriteLine($"  {"modules seen / missed",-34}{$"{r.ModulesSeen} / {r.Missed}",12}   of {modules}");
        Console.WriteLine($"  {"modules past 1.5 x keepalive",-34}{r.MqttLimitViolations,12}");
        Console.WriteLine($"  {"reconnects",-34}{r.Reconnects,12}");
        Console.WriteLine($"  {"CPU, measured window",-34}{$"{use.CpuSeconds:0.0} s",12}   {use.CpuPercentOfOneCore:0.0}% of one core, {use.CpuPercentOfMachine:0.0}% of the machine");
        Console.WriteLine($"  {"CPU, connecting",-34}{$"{setup.CpuSeconds:0.0} s",12}   over {setup.WallSeconds:0.0} s");
        Console.WriteLine($"  {"peak working set (process)",-34}{$"{use.PeakWorkingSetMiB:0} MiB",12}");
        Console.WriteLine($"  {"peak managed heap",-34}{$"{Math.Max(use.PeakManagedHeapMiB, setup.PeakManagedHeapMiB):0} MiB",12}");
        Console.WriteLine($"  {"peak threads",-34}{Math.Max(use.PeakThreads, setup.PeakThreads),12}");
        Console.WriteLine();
        Console.WriteLine($"  worst modules: {"client",-12}{"pings",6}{"max dev ms",12}  verdict");
        foreach (var m in r.PerModule.Take(5))
            Console.WriteLine($"                 {m.ClientId,-12}{m.Pings,6}{m.MaxDeviationMs,12:0.0}  {m.Why ?? "ok"}");
        Console.WriteLine();
        Console.WriteLine($"{(pass ? "PASS" : "FAIL")}: every module keeps its keepalive schedule within ±{toleranceMs:0} ms " +
                          $"({modules - r.Missed} of {modules} did, worst {r.MaxDeviationMs:0.0} ms, min {r.MinPings} pings" +
                          (r.MinPings < 4 ? "; too short to judge: fewer than 4 pings per module)" : ")"));
    }
}
