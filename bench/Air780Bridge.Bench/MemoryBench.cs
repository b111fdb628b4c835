using System.Diagnostics;
using System.Net.Sockets;
using Air780Bridge.Harness;
using Air780Bridge.Harness.Broker;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Air780Bridge.Bench;

/// <summary>Memory of the harness under a long soak and under the oversize-CONNECT attack (issue 10).</summary>
internal static class MemoryBench
{
    private static long LiveHeap() => GC.GetTotalMemory(forceFullCollection: true);

    private static double MiB(long bytes) => bytes / 1048576.0;

    private static double WorkingSetMiB()
    {
        using var process = Process.GetCurrentProcess();
        return MiB(process.WorkingSet64);
    }

    private static async Task<IMqttClient> Connect(HarnessBroker harness, string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(harness.Plain.Host, harness.Plain.Port).WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V311).WithTimeout(TimeSpan.FromSeconds(30)).Build());
        return client;
    }

    /// <summary>
    /// QoS 1 at <c>--rate</c> msg/s through the tap (publisher and subscriber both behind it: four packets per message
    /// on the timeline) for <c>--seconds</c>; the live managed heap is sampled every <c>--sample</c> s after full
    /// collections. PASS: it never exceeds <c>--bound-mib</c> and the spooled timeline reads back whole.
    /// </summary>
    public static async Task<int> SoakAsync(BenchArgs args)
    {
        var rate = args.Int("rate", 1000);
        var seconds = args.Int("seconds", 120);
        var boundMiB = args.Double("bound-mib", 32);
        var sample = args.Int("sample", 10);
        args.RejectUnknown();
        Console.WriteLine($"soak: {BenchSupport.Machine()}; QoS 1 at {rate} msg/s for {seconds} s, bound {boundMiB} MiB live heap");
        await using var harness = await HarnessBroker.StartAsync(new HarnessSettings { Port = 0 });
        using var subscriber = await Connect(harness, "soak-sub");
        long received = 0;
        subscriber.ApplicationMessageReceivedAsync += _ => { Interlocked.Increment(ref received); return Task.CompletedTask; };
        await subscriber.SubscribeAsync("soak/#", MqttQualityOfServiceLevel.AtLeastOnce);
        using var publisher = await Connect(harness, "soak-pub");
        var baseline = LiveHeap();
        var peak = baseline;
        var samples = new List<(int Second, double HeapMiB, double WsMiB, long Entries)>();
        var clock = Stopwatch.StartNew();
        long sent = 0, failed = 0;
        var nextSample = sample;
        // Paced in 10 ms ticks: each tick publishes what the rate owes so far, concurrently.
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        var pending = new List<Task>();
        while (clock.Elapsed.TotalSeconds < seconds && await tick.WaitForNextTickAsync())
        {
            var owed = (long)(clock.Elapsed.TotalSeconds * rate) - sent;
            for (var i = 0; i < owed; i++)
            {
                var message = new MqttApplicationMessageBuilder().WithTopic($"soak/{sent % 100}").WithPayload(new byte[64])
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                pending.Add(publisher.PublishAsync(message));
                sent++;
            }
            pending.RemoveAll(t =>
            {
                if (!t.IsCompleted) return false;
                if (!t.IsCompletedSuccessfully) failed++;
                return true;
            });
            if (clock.Elapsed.TotalSeconds >= nextSample)
            {
                var heap = LiveHeap();
                peak = Math.Max(peak, heap);
                samples.Add(((int)clock.Elapsed.TotalSeconds, MiB(heap), WorkingSetMiB(), harness.Timeline.Count));
                Console.WriteLine($"  {samples[^1].Second,5} s: live heap {samples[^1].HeapMiB,6:0.0} MiB, working set {samples[^1].WsMiB,6:0.0} MiB, timeline {samples[^1].Entries} entries, sent {sent}, received {Interlocked.Read(ref received)}");
                nextSample += sample;
            }
        }
        await Task.WhenAll(pending).ContinueWith(_ => { });
        var achieved = sent / clock.Elapsed.TotalSeconds;
        // Judging reads the spool back: walk every entry as a check would, and watch the heap while doing it.
        var walk = Stopwatch.StartNew();
        var all = harness.Timeline.Snapshot();
        long publishes = 0, index = 0, walkPeak = 0;
        foreach (var entry in all)
        {
            if (entry.Type == "PUBLISH") publishes++;
            // What the walk keeps alive (full collections: garbage is not retention).
            if (++index % 100_000 == 0 || index == all.Count) walkPeak = Math.Max(walkPeak, LiveHeap());
        }
        var entries = all.Count;
        var spoolMiB = MiB(new FileInfo(harness.Timeline.SpoolPath!).Length);
        var ok = MiB(peak) <= boundMiB && MiB(walkPeak) <= boundMiB && publishes >= 2 * (sent - failed) && failed == 0;
        Console.WriteLine($"""

            | rate | achieved | duration | timeline entries | spool file | live heap baseline / peak | heap while reading back | in-memory timeline would hold | verdict |
            |---|---|---|---|---|---|---|---|---|
            | {rate} msg/s | {achieved:0} msg/s | {seconds} s | {entries} | {spoolMiB:0} MiB | {MiB(baseline):0.0} / {MiB(peak):0.0} MiB | {MiB(walkPeak):0.0} MiB ({walk.Elapsed.TotalSeconds:0.0} s) | ~{entries * 230 / 1048576.0:0} MiB | {(ok ? "PASS" : "FAIL")} |
            """);
        Console.WriteLine($"sent {sent}, failed {failed}, received {Interlocked.Read(ref received)}, PUBLISH entries read back {publishes}; peak live heap {MiB(peak):0.0} MiB against {boundMiB} MiB");
        Console.WriteLine(ok ? "PASS" : "FAIL");
        return ok ? 0 : 1;
    }

    /// <summary>
    /// <c>--connections</c> clients each declare a 256 MiB CONNECT and stream <c>--mib</c> MiB into it (issue 10's attack:
    /// 4 of them took the broker from 52 to 435 MB) while a compliant client publishes. PASS: every one is closed and
    /// counted, the compliant client is served, and the live heap grows by at most <c>--bound-mib</c>.
    /// </summary>
    public static async Task<int> AttackAsync(BenchArgs args)
    {
        var connections = args.Int("connections", 16);
        var mib = args.Int("mib", 16);
        var boundMiB = args.Double("bound-mib", 2);
        args.RejectUnknown();
        Console.WriteLine($"attack: {BenchSupport.Machine()}; {connections} connections x 256 MiB declared CONNECT, streaming up to {mib} MiB each");
        await using var harness = await HarnessBroker.StartAsync(new HarnessSettings { Port = 0 });
        using var compliant = await Connect(harness, "compliant");
        var message = new MqttApplicationMessageBuilder().WithTopic("ok").WithPayload(new byte[64]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        await compliant.PublishAsync(message);
        var heapBefore = LiveHeap();
        var wsBefore = WorkingSetMiB();
        long accepted = 0;
        var attackers = Enumerable.Range(0, connections).Select(async _ =>
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(harness.Plain.Host, harness.Plain.Port);
            var stream = tcp.GetStream();
            var chunk = new byte[64 * 1024];
            try
            {
                await stream.WriteAsync(new byte[] { 0x10, 0xFF, 0xFF, 0xFF, 0x7F });
                for (var sentBytes = 0L; sentBytes < mib * 1048576L; sentBytes += chunk.Length)
                {
                    await stream.WriteAsync(chunk);
                    Interlocked.Add(ref accepted, chunk.Length);
                }
                return false; // never closed
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                return true;
            }
        }).ToArray();
        var served = 0;
        while (!attackers.All(a => a.IsCompleted))
        {
            await compliant.PublishAsync(message);
            served++;
        }
        var closed = (await Task.WhenAll(attackers)).Count(c => c);
        var heapAfter = LiveHeap();
        var wsAfter = WorkingSetMiB();
        var counted = harness.Violations.GetValueOrDefault("packet-too-large");
        var growth = MiB(heapAfter - heapBefore);
        var ok = closed == connections && counted == connections && growth <= boundMiB && compliant.IsConnected && served > 0;
        Console.WriteLine($"""

            | attackers | closed by the tap | counted | bytes they got in before the close | live heap before / after | working set before / after | compliant publishes meanwhile | verdict |
            |---|---|---|---|---|---|---|---|
            | {connections} | {closed} | {counted} | {MiB(accepted):0.0} MiB (kernel buffers) | {MiB(heapBefore):0.0} / {MiB(heapAfter):0.0} MiB ({growth:+0.00;-0.00} MiB, bound {boundMiB}) | {wsBefore:0} / {wsAfter:0} MiB | {served} | {(ok ? "PASS" : "FAIL")} |
            """);
        Console.WriteLine(ok ? "PASS" : "FAIL");
        return ok ? 0 : 1;
    }
}
