using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Air780Bridge.Harness;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Harness.Tap;
using Air780Bridge.Harness.Timeline;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Air780Bridge.Bench;

/// <summary>
/// The wire tap against the broker it fronts, side by side in one run: QoS 1 throughput (publisher and subscriber,
/// <c>--inflight</c> publishes outstanding) and the round trip of one QoS 1 publish at a time (PUBLISH up, PUBACK
/// down: two tap crossings), direct to the broker and through the tap, rounds alternating so machine load hits both.
/// Backends: the embedded MQTTnet broker (the tap hands it each connection in-process), and mosquitto on a loopback port.
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
        Console.WriteLine($"tap: {BenchSupport.Machine()}; QoS 1, {payload} B payloads, {inflight} in flight (closed loop), {rounds} x {seconds} s per path; {samples} round trips per path");
        // As `air780 broker` runs; with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 as a rig process runs.
        Console.WriteLine($"socket completions: {(await InlineSocketCompletions.ActiveAsync() ? "inline (as air780 broker)" : "thread pool (as a rig process)")}, verified by a probe");
        var pass = true;
        var rows = new List<string>();
        PacketCost(payload);
        foreach (var backend in backends)
        {
            await using var upstream = await Backend.StartAsync(backend);
            var harness = upstream.Harness;
            await using var forwarder = new BareForwarder(upstream.Port);
            var direct = new DnsEndPoint("127.0.0.1", upstream.Port);
            var forwarded = new DnsEndPoint("127.0.0.1", forwarder.Port);
            var tapped = harness.Plain;
            // Paths, measured in this order every round so that a load swing on the shared machine moves them all. The bare
            // forwarder is the same extra TCP hop in this process with no decoding or timeline: the floor of a tap that
            // reaches its broker over TCP (mosquitto); the embedded broker is reached in-process, without that hop. The
            // printing path is the console of `air780 broker` writing to a sink.
            var paths = new (string Name, DnsEndPoint At, bool Print)[] { ("direct", direct, false), ("forwarder", forwarded, false), ("tap", tapped, false), ("tap printing", tapped, true) };
            var rates = paths.Select(_ => new List<double>()).ToArray();
            var cpu = paths.Select(_ => new List<double>()).ToArray();
            foreach (var path in paths.Take(3)) await Throughput(path.At, payload, inflight, TimeSpan.FromSeconds(0.5)); // warm-up
            for (var r = 0; r < rounds; r++)
                for (var i = 0; i < paths.Length; i++)
                {
                    await using var printer = paths[i].Print ? new TimelinePrinter(harness.Timeline, new StreamWriter(Stream.Null), TimelineClock.NowUs) : null;
                    var (rate, cpuUs) = await Throughput(paths[i].At, payload, inflight, TimeSpan.FromSeconds(seconds));
                    rates[i].Add(rate);
                    cpu[i].Add(cpuUs);
                }
            var rtt = await RoundTrips(paths.Take(3).Select(p => p.At).ToArray(), payload, samples);
            // Each round's ratio pairs a path with the direct run just before it.
            double Ratio(int i) => Median(rates[i].Zip(rates[0], (t, d) => t / d).ToList());
            double Added(int i) => (BenchSupport.Percentile(rtt[i], 50) - BenchSupport.Percentile(rtt[0], 50)) / 2;
            var (ratio, added) = (Ratio(2), Added(2));
            var ok = ratio >= TargetRatio && added <= TargetAddedUs;
            pass &= ok;
            Console.WriteLine($"\n{backend}: throughput msg/s, each round: {string.Join(", ", paths.Select(p => p.Name))} (process CPU per message, us)");
            for (var r = 0; r < rounds; r++)
                Console.WriteLine($"  round {r + 1}: " + string.Join("  ", paths.Select((_, i) => $"{rates[i][r],7:0} ({cpu[i][r],5:0.0})")));
            Console.WriteLine($"  round trip us p50/p90/p99: direct {P(rtt[0])}, forwarder {P(rtt[1])}, tap {P(rtt[2])}");
            Console.WriteLine($"  bare forwarder (one more TCP hop, nothing else): throughput {Ratio(1):0.00}x, added per crossing p50 {Added(1):0.0} us");
            Console.WriteLine($"  tap/{backend} throughput {ratio:0.00}x (target >= {TargetRatio}), printing {Ratio(3):0.00}x; " +
                              $"added per crossing p50 {added:0.0} us (target <= {TargetAddedUs}) -> {(ok ? "PASS" : "FAIL")}");
            rows.Add($"| {backend} | {Median(rates[0]):0} | {Median(rates[1]):0} ({Ratio(1):0.00}x) | {Median(rates[2]):0} | {ratio:0.00}x | {Ratio(3):0.00}x | " +
                     $"{BenchSupport.Percentile(rtt[0], 50):0} / {BenchSupport.Percentile(rtt[1], 50):0} / {BenchSupport.Percentile(rtt[2], 50):0} | {Added(1):0.0} | {added:0.0} | {(ok ? "PASS" : "FAIL")} |");
            var violations = harness.Violations;
            if (violations.Count > 0) Console.WriteLine($"  violations (must be none): {string.Join(", ", violations)}");
            pass &= violations.Count == 0;
            // With the closed loop no subscriber falls behind; a drop would mean the rates above count lost messages.
            var dropped = upstream.Dropped.Values.Sum();
            if (dropped > 0) Console.WriteLine($"  broker dropped {dropped} queued message(s) to slow subscribers (must be none)");
            pass &= dropped == 0;
        }
        Console.WriteLine("\n| broker | direct msg/s | bare forwarder msg/s | tap msg/s | ratio | printing | rtt p50 direct / forwarder / tap (us) | forwarder added per crossing (us) | tap added per crossing (us) | verdict |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
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
        var decoder = new MqttDecoder();
        var frames = new List<MqttFrame>();
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

    private static string P(List<double> sorted) => $"{BenchSupport.Percentile(sorted, 50):0}/{BenchSupport.Percentile(sorted, 90):0}/{BenchSupport.Percentile(sorted, 99):0}";

    private static double Median(List<double> values) => BenchSupport.Percentile(values.Order().ToList(), 50);

    private static async Task<IMqttClient> Connect(DnsEndPoint at, string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(at.Host, at.Port).WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V311).WithCleanSession().WithTimeout(TimeSpan.FromSeconds(30)).Build());
        return client;
    }

    /// <summary>Messages per second a subscriber receives while <paramref name="inflight"/> loops publish QoS 1, with at
    /// most <paramref name="inflight"/> messages published and not yet received: a closed loop, so the rate is what the
    /// whole path delivers. Open-loop publishing would measure the broker's queue instead: publishers outran the
    /// subscriber, the queue grew until the broker dropped, and single rounds swung 10x.</summary>
    private static async Task<(double Rate, double CpuUs)> Throughput(DnsEndPoint at, int payload, int inflight, TimeSpan duration)
    {
        var topic = $"bench/{Guid.NewGuid():N}";
        using var subscriber = await Connect(at, $"sub-{Guid.NewGuid():N}");
        long received = 0;
        using var window = new SemaphoreSlim(inflight, int.MaxValue);
        subscriber.ApplicationMessageReceivedAsync += _ =>
        {
            Interlocked.Increment(ref received);
            window.Release();
            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        using var publisher = await Connect(at, $"pub-{Guid.NewGuid():N}");
        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(new byte[payload]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        using var stop = new CancellationTokenSource(duration);
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Interlocked.Read(ref received);
        var loops = Enumerable.Range(0, inflight).Select(async _ =>
        {
            try
            {
                while (true)
                {
                    await window.WaitAsync(stop.Token);
                    await publisher.PublishAsync(message);
                }
            }
            catch (OperationCanceledException) { }
        }).ToArray();
        await Task.WhenAll(loops);
        var count = Interlocked.Read(ref received) - start;
        var rate = count / clock.Elapsed.TotalSeconds;
        var cpuUs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / Math.Max(1, count);
        await publisher.DisconnectAsync();
        await subscriber.DisconnectAsync();
        return (rate, cpuUs);
    }

    /// <summary>Round trips (us, ascending) of one QoS 1 publish at a time per path, in alternating blocks of 200, each
    /// block on the next of <see cref="RttClients"/> connections of its path: the runtime spreads sockets over its
    /// event threads round-robin, and whether two sockets of one round trip share a thread moves the result by 10-20 us,
    /// so one connection per path would measure that luck.</summary>
    private static async Task<List<double>[]> RoundTrips(DnsEndPoint[] paths, int payload, int samples)
    {
        var clients = new IMqttClient[paths.Length, RttClients];
        for (var c = 0; c < RttClients; c++)
            for (var i = 0; i < paths.Length; i++) clients[i, c] = await Connect(paths[i], $"rtt-{i}-{c}");
        var message = new MqttApplicationMessageBuilder().WithTopic("bench/rtt").WithPayload(new byte[payload]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        var results = paths.Select(_ => new List<double>(samples)).ToArray();
        const int block = 200;
        foreach (var client in clients)
            for (var i = 0; i < 50; i++) await client.PublishAsync(message);
        for (var (done, b) = (0, 0); done < samples; done += block, b++)
            for (var p = 0; p < paths.Length; p++)
                for (var i = 0; i < block; i++)
                {
                    var t = Stopwatch.GetTimestamp();
                    await clients[p, b % RttClients].PublishAsync(message);
                    results[p].Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds);
                }
        foreach (var client in clients) client.Dispose();
        foreach (var list in results) list.Sort();
        return results;
    }

    private const int RttClients = 4;

    /// <summary>The least a TCP hop in this process costs: accept, dial the broker, copy bytes both ways (one write per
    /// read, Nagle off), nothing decoded or recorded.</summary>
    private sealed class BareForwarder : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accept;

        public BareForwarder(int upstreamPort)
        {
            _listener.Start();
            _accept = AcceptAsync(upstreamPort);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        private async Task AcceptAsync(int upstreamPort)
        {
            try
            {
                while (true)
                {
                    var module = await _listener.AcceptSocketAsync(_stop.Token);
                    var broker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await broker.ConnectAsync(IPAddress.Loopback, upstreamPort, _stop.Token);
                    module.NoDelay = true;
                    _ = Copy(module, broker);
                    _ = Copy(broker, module);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
        }

        // Streams and a reused buffer, as the tap's pumps have.
        private static async Task Copy(Socket from, Socket to)
        {
            var buffer = new byte[16 * 1024];
            await using var input = new NetworkStream(from, ownsSocket: true);
            await using var output = new NetworkStream(to, ownsSocket: true);
            try
            {
                int n;
                while ((n = await input.ReadAsync(buffer)) > 0) await output.WriteAsync(buffer.AsMemory(0, n));
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            await _accept;
        }
    }

    /// <summary>The broker under test with the tap in front, as `air780 broker` runs them: the embedded MQTTnet broker
    /// (the tap reaches it in-process), or mosquitto started on a free loopback port (the tap reaches it over TCP).</summary>
    private sealed class Backend : IAsyncDisposable
    {
        private readonly Process? _mosquitto;
        private readonly string? _config;

        private Backend(HarnessBroker harness, Process? mosquitto, string? config) =>
            (Harness, _mosquitto, _config) = (harness, mosquitto, config);

        /// <summary>The broker's own loopback port (the direct path).</summary>
        public int Port => Harness.Backend.Port;
        public HarnessBroker Harness { get; }
        /// <summary>Messages the embedded broker dropped to slow subscribers (mosquitto keeps its own count).</summary>
        public IReadOnlyDictionary<string, long> Dropped => Harness.Broker?.Dropped ?? new Dictionary<string, long>();

        public static async Task<Backend> StartAsync(string kind)
        {
            if (kind == "mqttnet")
            {
                var embedded = await HarnessBroker.StartAsync(new HarnessSettings { Port = 0 });
                return new Backend(embedded, null, null);
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
            var harness = await HarnessBroker.StartAsync(new HarnessSettings { Port = 0, Upstream = $"127.0.0.1:{port}" });
            return new Backend(harness, process, config);
        }

        public async ValueTask DisposeAsync()
        {
            await Harness.DisposeAsync();
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
