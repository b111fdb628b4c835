using System.Diagnostics;
using System.Net;
using Air780Bridge.Client;
using Air780Bridge.Client.Mqtt;
using Air780Bridge.Harness;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;
using Air780Bridge.Twin;
using MQTTnet;
using MQTTnet.Protocol;

namespace Air780Bridge.Bench;

/// <summary>
/// Payload throughput through the whole stack with the serial link paced at a baud rate: PC -> link -> agent -> mqtt
/// -> broker (QoS 0 publishes, several calls in flight) and broker -> mqtt -> agent -> link -> PC (recv events).
/// Target (spec): at least 90% of the line rate (baud/10 bytes/s) in payload bytes for 1 KiB payloads, both ways.
/// </summary>
internal static class LinkBench
{
    private const double TargetPercent = 90;
    private const string UpTopic = "bench/up", DownTopic = "bench/down";
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var bauds = args.Ints("baud", "115200,921600");
        var seconds = args.Int("seconds", 10);
        var payloadSize = args.Int("payload", 1024);
        var inflight = args.Int("inflight", 8);
        var linkKind = args.Text("link", BenchSupport.DefaultLink);
        var jsonPath = args.Text("json", "artifacts/bench/link.json");
        args.RejectUnknown();

        Console.WriteLine($"link: {payloadSize} B QoS 0 payloads, {seconds} s per direction after {Warmup.TotalSeconds:0} s warm-up, " +
                          $"{inflight} publish calls in flight, {linkKind} link; {BenchSupport.Machine()}");
        var results = new List<LinkResult>();
        var ptyDirectory = Path.Combine(Path.GetTempPath(), $"air780-bench-{Environment.ProcessId}");
        try
        {
            foreach (var baud in bauds)
                results.Add(await RunAtAsync(baud, TimeSpan.FromSeconds(seconds), payloadSize, inflight, linkKind, ptyDirectory));
        }
        finally
        {
            if (Directory.Exists(ptyDirectory)) Directory.Delete(ptyDirectory, recursive: true);
        }

        Console.WriteLine();
        Console.WriteLine($"  {"baud",8} {"dir",-5} {"line B/s",9} {"payload B/s",12} {"% line",7} {"wire eff.",9} {"line busy",9}  notes");
        foreach (var r in results)
            foreach (var d in new[] { r.Up, r.Down })
                Console.WriteLine($"  {r.Baud,8} {d.Direction,-5} {r.LineBytesPerSecond,9:0} {d.PayloadBytesPerSecond,12:0} {d.PercentOfLine,6:0.0}% " +
                                  $"{d.WireEfficiencyPercent,8:0.0}% {d.LineBusyPercent,8:0.0}%  {d.Notes}");
        var pass = results.All(r => r.Up.PercentOfLine >= TargetPercent && r.Down.PercentOfLine >= TargetPercent);
        Console.WriteLine("  wire eff. = payload / bytes on the wire per message (framing + CBOR); line busy = wire bytes / line rate.");
        Console.WriteLine();
        Console.WriteLine($"{(pass ? "PASS" : "FAIL")}: >= {TargetPercent:0}% of line rate for {payloadSize} B payloads in both directions " +
                          $"(worst {results.Min(r => Math.Min(r.Up.PercentOfLine, r.Down.PercentOfLine)):0.0}%)");
        BenchSupport.WriteJson(jsonPath, new
        {
            benchmark = "link",
            date = DateTime.UtcNow,
            machine = BenchSupport.Machine(),
            parameters = new { bauds, seconds, payloadSize, inflight, link = linkKind, warmupSeconds = Warmup.TotalSeconds },
            target = $">= {TargetPercent}% of line rate (baud/10 bytes/s) in payload bytes, both directions",
            verdict = pass ? "PASS" : "FAIL",
            results,
        });
        return pass ? 0 : 1;
    }

    internal sealed record DirectionResult(string Direction, long Messages, double PayloadBytesPerSecond, double PercentOfLine,
        double WireBytesPerMessage, double WireEfficiencyPercent, double LineBusyPercent, string Notes);

    internal sealed record LinkResult(int Baud, double LineBytesPerSecond, DirectionResult Up, DirectionResult Down);

    private static async Task<LinkResult> RunAtAsync(int baud, TimeSpan window, int payloadSize, int inflight, string linkKind, string ptyDirectory)
    {
        var lineRate = baud / 10.0;
        var payload = new byte[payloadSize];
        Random.Shared.NextBytes(payload);
        await using var harness = await HarnessBroker.StartAsync(new HarnessSettings { BindAddress = IPAddress.Loopback, Port = 0 });
        using var module = new VirtualModule(new VirtualModuleOptions { Name = $"link-{baud}" });
        module.Start();
        var serial = new CountingSerial(module.Serial);
        using var link = BenchSupport.OpenLink(serial, module.Name, linkKind, baud, ptyDirectory);
        await using var client = await Air780Client.ConnectAsync(link.ConnectionString);
        var mqtt = await client.Mqtt.CreateAsync(harness.Plain.Host, harness.Plain.Port) ?? throw new InvalidOperationException("mqtt.create returned nil");
        await mqtt.AuthAsync($"link-bench-{baud}");
        await mqtt.OnAsync();
        await mqtt.ConnectAsync();
        await mqtt.WaitForConnAckAsync(TimeSpan.FromSeconds(15));
        await mqtt.SubscribeAsync(DownTopic, 0);
        await harness.Timeline.WaitForAsync(e => e is { Kind: "packet", Type: "SUBACK" }, TimeSpan.FromSeconds(15));

        // The broker-side peer talks to the embedded broker directly, so the tap only sees the module's connection.
        using var peer = new MqttClientFactory().CreateMqttClient();
        await peer.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", harness.Broker!.Port).WithClientId($"bench-peer-{baud}").Build());
        long upPayload = 0, upMessages = 0;
        peer.ApplicationMessageReceivedAsync += e =>
        {
            Interlocked.Add(ref upPayload, e.ApplicationMessage.Payload.Length);
            Interlocked.Increment(ref upMessages);
            return Task.CompletedTask;
        };
        await peer.SubscribeAsync(UpTopic, MqttQualityOfServiceLevel.AtMostOnce);

        Console.WriteLine($"{baud} baud ({lineRate:0} B/s each way):");
        var up = await MeasureUpAsync(mqtt, payload, inflight, window, lineRate, serial, () => (Interlocked.Read(ref upPayload), Interlocked.Read(ref upMessages)));
        var down = await MeasureDownAsync(client, peer, payload, window, lineRate, serial);
        await peer.DisconnectAsync();
        return new LinkResult(baud, lineRate, up, down);
    }

    /// <summary>PC -> broker: <paramref name="inflight"/> loops each awaiting one publish call at a time.</summary>
    private static async Task<DirectionResult> MeasureUpAsync(LuatMqttClientProxy mqtt, byte[] payload, int inflight, TimeSpan window, double lineRate,
        CountingSerial serial, Func<(long Bytes, long Messages)> arrived)
    {
        using var stop = new CancellationTokenSource();
        var calls = new List<double>();
        var publishers = Enumerable.Range(0, inflight).Select(_ => Task.Run(async () =>
        {
            var watch = new Stopwatch();
            while (!stop.IsCancellationRequested)
            {
                watch.Restart();
                await mqtt.PublishAsync(UpTopic, payload, 0);
                lock (calls) calls.Add(watch.Elapsed.TotalMilliseconds);
            }
        })).ToList();
        await Task.Delay(Warmup);
        var (bytes0, messages0) = arrived();
        var wire0 = serial.BytesFromHost;
        lock (calls) calls.Clear();
        var watch = Stopwatch.StartNew();
        await Task.Delay(window);
        var (bytes1, messages1) = arrived();
        var wire1 = serial.BytesFromHost;
        var elapsed = watch.Elapsed.TotalSeconds;
        List<double> latencies;
        lock (calls) latencies = calls.Order().ToList();
        await stop.CancelAsync();
        await Task.WhenAll(publishers);

        var messages = messages1 - messages0;
        var rate = (bytes1 - bytes0) / elapsed;
        var wirePerMessage = messages == 0 ? double.NaN : (double)(wire1 - wire0) / messages;
        var result = Direction("up", messages, rate, lineRate, wirePerMessage, payload.Length, (wire1 - wire0) / elapsed,
            $"publish call median {BenchSupport.Percentile(latencies, 50):0} ms, p99 {BenchSupport.Percentile(latencies, 99):0} ms; " +
            $"codec minimum {UpFrameBytes(payload.Length)} B/message");
        Console.WriteLine($"  up:   {rate:0} payload B/s = {result.PercentOfLine:0.0}% of line ({result.Notes})");
        return result;
    }

    /// <summary>Broker -> PC: the peer offers payload at the full line rate, so the link (not the offer) limits what arrives.</summary>
    private static async Task<DirectionResult> MeasureDownAsync(Air780Client client, IMqttClient peer, byte[] payload, TimeSpan window, double lineRate,
        CountingSerial serial)
    {
        long received = 0, messages = 0, dropped = 0, gaps = 0;
        void Count(ModuleEvent e)
        {
            switch (e)
            {
                case MqttEvent { Name: "recv", Payload: { } p }:
                    Interlocked.Add(ref received, p.Length);
                    Interlocked.Increment(ref messages);
                    break;
                case EventsDroppedEvent d: Interlocked.Add(ref dropped, d.Count); break;
                case EventGapEvent g: Interlocked.Add(ref gaps, g.Lost); break;
            }
        }
        client.EventReceived += Count;
        using var stop = new CancellationTokenSource();
        long offered = 0;
        var message = new MqttApplicationMessageBuilder().WithTopic(DownTopic).WithPayload(payload).Build();
        var publisher = Task.Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            while (!stop.IsCancellationRequested)
            {
                var owed = (long)(clock.Elapsed.TotalSeconds * lineRate / payload.Length) - Interlocked.Read(ref offered);
                for (; owed > 0; owed--)
                {
                    await peer.PublishAsync(message);
                    Interlocked.Increment(ref offered);
                }
                await Task.Delay(5);
            }
        });
        await Task.Delay(Warmup);
        var (bytes0, messages0, wire0, offered0) = (Interlocked.Read(ref received), Interlocked.Read(ref messages), serial.BytesToHost, Interlocked.Read(ref offered));
        var watch = Stopwatch.StartNew();
        await Task.Delay(window);
        var (bytes1, messages1, wire1, offered1) = (Interlocked.Read(ref received), Interlocked.Read(ref messages), serial.BytesToHost, Interlocked.Read(ref offered));
        var elapsed = watch.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await publisher;
        client.EventReceived -= Count;

        var count = messages1 - messages0;
        var rate = (bytes1 - bytes0) / elapsed;
        // Module output is counted as the agent writes it, ahead of the pacing, so it is divided by what the agent was handed.
        var wirePerMessage = (double)(wire1 - wire0) / Math.Max(1, offered1 - offered0);
        var result = Direction("down", count, rate, lineRate, wirePerMessage, payload.Length, count * wirePerMessage / elapsed,
            $"offered {Interlocked.Read(ref offered)} messages, {Interlocked.Read(ref messages)} arrived by the end, backlog {Interlocked.Read(ref offered) - Interlocked.Read(ref messages)}; " +
            $"agent dropped {Interlocked.Read(ref dropped)}, link lost {Interlocked.Read(ref gaps)}; codec minimum {DownFrameBytes(payload.Length)} B/message");
        Console.WriteLine($"  down: {rate:0} payload B/s = {result.PercentOfLine:0.0}% of line ({result.Notes})");
        return result;
    }

    private static DirectionResult Direction(string name, long messages, double rate, double lineRate, double wirePerMessage, int payload, double wireRate, string notes) =>
        new(name, messages, Math.Round(rate), Math.Round(100 * rate / lineRate, 1), Math.Round(wirePerMessage, 1),
            Math.Round(100 * payload / wirePerMessage, 1), Math.Round(100 * wireRate / lineRate, 1), notes);

    /// <summary>Bytes on the wire for one publish request as the client encodes it (handle 1, QoS 0, no retain).</summary>
    private static int UpFrameBytes(int payload) =>
        WireBytes(MessageCodec.Encode(new RequestMessage(1, "mqtt.publish", [1L, UpTopic, new byte[payload], 0L])));

    /// <summary>Bytes on the wire for one recv event as the agent encodes it (topic and payload as byte strings, current-firmware metas).</summary>
    private static int DownFrameBytes(int payload) =>
        WireBytes(MessageCodec.Encode(new EventMessage(1, ["mqtt", 1L, "recv", System.Text.Encoding.ASCII.GetBytes(DownTopic), new byte[payload],
            new Dictionary<object, object?> { ["message_id"] = 0L, ["qos"] = 0L, ["retain"] = 0L, ["dup"] = 0L }])));

    private static int WireBytes(WireMessage message) =>
        FrameEncoder.Fragment(message.Type, message.Id, message.Body, 2048).Sum(f => f.Body.Length + FrameFormat.Overhead);
}

/// <summary>Counts the bytes crossing the module's serial side: from the host after pacing, to the host as the agent writes them.</summary>
internal sealed class CountingSerial : IModuleSerial
{
    private readonly IModuleSerial _inner;
    private long _fromHost, _toHost;

    public CountingSerial(IModuleSerial inner)
    {
        _inner = inner;
        _inner.ToHost += chunk =>
        {
            Interlocked.Add(ref _toHost, chunk.Length);
            ToHost?.Invoke(chunk);
        };
    }

    public event Action<ReadOnlyMemory<byte>>? ToHost;

    public long BytesFromHost => Interlocked.Read(ref _fromHost);
    public long BytesToHost => Interlocked.Read(ref _toHost);

    public void DeliverFromHost(ReadOnlySpan<byte> transfer)
    {
        Interlocked.Add(ref _fromHost, transfer.Length);
        _inner.DeliverFromHost(transfer);
    }

    public void TransmitCompleted(int bytes) => _inner.TransmitCompleted(bytes);
}
