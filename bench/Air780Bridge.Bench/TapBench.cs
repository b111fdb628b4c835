using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Air780Bridge.Harness;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Harness.Timeline;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Air780Bridge.Bench;

/// <summary>
/// The wire tap against the broker it fronts, side by side in one run: QoS 1 throughput (publisher and subscriber,
/// <c>--inflight</c> publishes outstanding) and the round trip of one QoS 1 publish at a time (PUBLISH up, PUBACK
/// down: two tap crossings), direct to the broker and through the tap, rounds alternating so machine load hits both.
/// Backends: the embedded MQTTnet broker, and mosquitto on a loopback port.
/// </summary>
internal static class TapBench
{
    private const double TargetRatio = 0.9;
    private const double TargetAddedUs = 10;

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var seconds = args.Double("seconds", 3);
        var rounds = args.Int("rounds", 3);
        var inflight = args.Int("inflight", 64);
        var samples = args.Int("samples", 4000);
        var payload = args.Int("payload", 64);
        var backends = args.Text("brokers", "mqttnet,mosquitto").Split(',', StringSplitOptions.RemoveEmptyEntries);
        args.RejectUnknown();
        Console.WriteLine($"tap: {BenchSupport.Machine()}; QoS 1, {payload} B payloads, {inflight} in flight, {rounds} x {seconds} s per side; {samples} round trips per side");
        var pass = true;
        var rows = new List<string>();
        PacketCost(payload);
        foreach (var backend in backends)
        {
            await using var upstream = await Backend.StartAsync(backend);
            await using var harness = await HarnessBroker.StartAsync(new HarnessSettings { Port = 0, Upstream = upstream.Address });
            var direct = new DnsEndPoint("127.0.0.1", upstream.Port);
            var tapped = harness.Plain;
            // The console path of `air780 broker`, printing to a sink, shows what printing costs the tap.
            var printed = new List<double>();
            var directRates = new List<double>();
            var tapRates = new List<double>();
            await Throughput(direct, payload, inflight, TimeSpan.FromSeconds(0.5)); // warm-up both paths
            await Throughput(tapped, payload, inflight, TimeSpan.FromSeconds(0.5));
            for (var r = 0; r < rounds; r++)
            {
                directRates.Add(await Throughput(direct, payload, inflight, TimeSpan.FromSeconds(seconds)));
                tapRates.Add(await Throughput(tapped, payload, inflight, TimeSpan.FromSeconds(seconds)));
                await using (new TimelinePrinter(harness.Timeline, new StreamWriter(Stream.Null), TimelineClock.NowUs))
                    printed.Add(await Throughput(tapped, payload, inflight, TimeSpan.FromSeconds(seconds)));
            }
            var (directRtt, tapRtt) = await RoundTrips(direct, tapped, payload, samples);
            // Each tap round is paired with the direct round just before it, so a load swing on the shared machine moves both.
            var ratio = Median(tapRates.Zip(directRates, (t, d) => t / d).ToList());
            var printedRatio = Median(printed.Zip(directRates, (p, d) => p / d).ToList());
            var added = (BenchSupport.Percentile(tapRtt, 50) - BenchSupport.Percentile(directRtt, 50)) / 2;
            var ok = ratio >= TargetRatio && added <= TargetAddedUs;
            pass &= ok;
            Console.WriteLine($"\n{backend}: throughput msg/s (each round: direct, tap, tap printing)");
            var cpu = CpuPerMessageUs.TakeLast(3 * rounds).ToList();
            for (var r = 0; r < rounds; r++)
                Console.WriteLine($"  round {r + 1}: {directRates[r],9:0} {tapRates[r],9:0} {printed[r],9:0}   process CPU per message {cpu[3 * r]:0.0} / {cpu[3 * r + 1]:0.0} / {cpu[3 * r + 2]:0.0} us");
            Console.WriteLine($"  round trip us p50/p90/p99: direct {P(directRtt)}, tap {P(tapRtt)}");
            Console.WriteLine($"  tap/{backend} throughput {ratio:0.00}x (target >= {TargetRatio}), printing {printedRatio:0.00}x; " +
                              $"added per crossing p50 {added:0.0} us (target <= {TargetAddedUs}) -> {(ok ? "PASS" : "FAIL")}");
            rows.Add($"| {backend} | {Median(directRates):0} | {Median(tapRates):0} | {ratio:0.00}x | {printedRatio:0.00}x | {BenchSupport.Percentile(directRtt, 50):0} / {BenchSupport.Percentile(tapRtt, 50):0} | {added:0.0} | {(ok ? "PASS" : "FAIL")} |");
            var violations = harness.Violations;
            if (violations.Count > 0) Console.WriteLine($"  violations (must be none): {string.Join(", ", violations)}");
            pass &= violations.Count == 0;
        }
        Console.WriteLine("\n| broker | direct msg/s | tap msg/s | ratio | printing | rtt p50 direct / tap (us) | added per crossing (us) | verdict |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        rows.ForEach(Console.WriteLine);
        Console.WriteLine(pass ? "PASS" : "FAIL");
        return pass ? 0 : 1;
    }

    /// <summary>The tap's own work per packet without I/O: framing and decoding, then the spooled timeline append
    /// (its background JSON writer included, by waiting for the read-back).</summary>
    private static void PacketCost(int payload)
    {
        byte[] publish = [0x32, (byte)(2 + 10 + 2 + payload), 0x00, 0x0A, .. "bench/topi"u8, 0x12, 0x34, .. new byte[payload]];
        byte[] puback = [0x40, 0x02, 0x12, 0x34];
        byte[] read = [.. publish, .. puback, .. publish, .. puback];
        const int reads = 100_000;
        var decoder = new Air780Bridge.Harness.Tap.MqttDecoder();
        var frames = new List<Air780Bridge.Harness.Tap.MqttFrame>();
        var t = Stopwatch.GetTimestamp();
        for (var i = 0; i < reads; i++) { frames.Clear(); decoder.Feed(read, "c1", "up", frames); }
        var decodeNs = Stopwatch.GetElapsedTime(t).TotalNanoseconds / (4.0 * reads);
        using var timeline = Timeline.Spooled();
        t = Stopwatch.GetTimestamp();
        for (var i = 0; i < reads; i++) foreach (var f in frames) timeline.Append(f.Entry);
        var appendNs = Stopwatch.GetElapsedTime(t).TotalNanoseconds / (4.0 * reads);
        _ = timeline.Snapshot().Count;
        var spooledNs = Stopwatch.GetElapsedTime(t).TotalNanoseconds / (4.0 * reads);
        Console.WriteLine($"per packet, no I/O: frame + decode {decodeNs:0} ns, timeline append {appendNs:0} ns, with the spool's JSON write {spooledNs:0} ns");
    }

    /// <summary>Process CPU per delivered message of each throughput run, in run order.</summary>
    private static readonly List<double> CpuPerMessageUs = [];

    private static string P(List<double> sorted) => $"{BenchSupport.Percentile(sorted, 50):0}/{BenchSupport.Percentile(sorted, 90):0}/{BenchSupport.Percentile(sorted, 99):0}";

    private static double Median(List<double> values) => BenchSupport.Percentile(values.Order().ToList(), 50);

    private static async Task<IMqttClient> Connect(DnsEndPoint at, string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(at.Host, at.Port).WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V311).WithCleanSession().WithTimeout(TimeSpan.FromSeconds(30)).Build());
        return client;
    }

    /// <summary>Messages per second a subscriber receives while <paramref name="inflight"/> loops publish QoS 1.</summary>
    private static async Task<double> Throughput(DnsEndPoint at, int payload, int inflight, TimeSpan duration)
    {
        var topic = $"bench/{Guid.NewGuid():N}";
        using var subscriber = await Connect(at, $"sub-{Guid.NewGuid():N}");
        long received = 0;
        subscriber.ApplicationMessageReceivedAsync += _ => { Interlocked.Increment(ref received); return Task.CompletedTask; };
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        using var publisher = await Connect(at, $"pub-{Guid.NewGuid():N}");
        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(new byte[payload]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        using var stop = new CancellationTokenSource(duration);
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Interlocked.Read(ref received);
        var loops = Enumerable.Range(0, inflight).Select(async _ =>
        {
            while (!stop.IsCancellationRequested) await publisher.PublishAsync(message);
        }).ToArray();
        await Task.WhenAll(loops);
        var count = Interlocked.Read(ref received) - start;
        var rate = count / clock.Elapsed.TotalSeconds;
        CpuPerMessageUs.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / Math.Max(1, count));
        await publisher.DisconnectAsync();
        await subscriber.DisconnectAsync();
        return rate;
    }

    /// <summary>Round trips (us, ascending) of one QoS 1 publish at a time, in alternating blocks direct / through the tap.</summary>
    private static async Task<(List<double> Direct, List<double> Tap)> RoundTrips(DnsEndPoint direct, DnsEndPoint tapped, int payload, int samples)
    {
        using var viaDirect = await Connect(direct, "rtt-direct");
        using var viaTap = await Connect(tapped, "rtt-tap");
        var message = new MqttApplicationMessageBuilder().WithTopic("bench/rtt").WithPayload(new byte[payload]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        var results = (Direct: new List<double>(), Tap: new List<double>());
        const int block = 200;
        for (var i = 0; i < 50; i++) { await viaDirect.PublishAsync(message); await viaTap.PublishAsync(message); }
        for (var done = 0; done < samples; done += block)
        {
            foreach (var (client, list) in new[] { (viaDirect, results.Direct), (viaTap, results.Tap) })
                for (var i = 0; i < block; i++)
                {
                    var t = Stopwatch.GetTimestamp();
                    await client.PublishAsync(message);
                    list.Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds);
                }
        }
        results.Direct.Sort();
        results.Tap.Sort();
        return results;
    }

    /// <summary>The broker under test: the embedded MQTTnet broker, or mosquitto started on a free loopback port.</summary>
    private sealed class Backend : IAsyncDisposable
    {
        private readonly EmbeddedBroker? _embedded;
        private readonly Process? _mosquitto;
        private readonly string? _config;

        private Backend(int port, EmbeddedBroker? embedded, Process? mosquitto, string? config) =>
            (Port, _embedded, _mosquitto, _config) = (port, embedded, mosquitto, config);

        public int Port { get; }
        public string Address => $"127.0.0.1:{Port}";

        public static async Task<Backend> StartAsync(string kind)
        {
            if (kind == "mqttnet")
            {
                var embedded = await EmbeddedBroker.StartAsync(new HarnessSettings());
                return new Backend(embedded.Port, embedded, null, null);
            }
            if (kind != "mosquitto") throw new ArgumentException($"--brokers: '{kind}' is not mqttnet or mosquitto");
            var port = EmbeddedBroker.FreeLoopbackPort();
            var config = Path.Combine(Path.GetTempPath(), $"bench-mosquitto-{port}.conf");
            await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\n");
            Process process;
            try
            {
                process = Process.Start(new ProcessStartInfo("mosquitto", ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new ArgumentException($"mosquitto not found ({e.Message}); install it (apt-get install -y mosquitto) or pass --brokers mqttnet");
            }
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
                {
                    await Task.Delay(50);
                }
            }
            return new Backend(port, null, process, config);
        }

        public async ValueTask DisposeAsync()
        {
            if (_embedded is not null) await _embedded.DisposeAsync();
            if (_mosquitto is not null)
            {
                if (!_mosquitto.HasExited) _mosquitto.Kill();
                await _mosquitto.WaitForExitAsync();
                _mosquitto.Dispose();
            }
            if (_config is not null) File.Delete(_config);
        }
    }
}
