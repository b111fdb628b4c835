using System.Diagnostics;
using System.Net;
using Air780Bridge.Client;
using Air780Bridge.Client.Link;
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
/// Targets: encoding (payload / wire bytes of the publish requests and recv events that crossed) at least 97% both
/// ways on the protocol version negotiated (issue 13), and at least 90% of the line rate (baud/10 bytes/s) in payload
/// bytes (spec), for 1 KiB payloads. Each version in --protocols is run side by side; the judged one is the highest.
/// </summary>
internal static class LinkBench
{
    private const double TargetPercent = 90;
    private const double EncodingTargetPercent = 97;
    private const string UpTopic = "bench/up", DownTopic = "bench/down";
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var bauds = args.Ints("baud", "115200,921600");
        var seconds = args.Int("seconds", 10);
        var payloadSize = args.Int("payload", 1024);
        var inflight = args.Int("inflight", 8);
        var linkKind = args.Text("link", BenchSupport.DefaultLink);
        var protocols = args.Ints("protocols", "2,1");
        var jsonPath = args.Text("json", "artifacts/bench/link.json");
        args.RejectUnknown();
        if (protocols.Any(v => !ProtocolVersions.Supported.Contains(v)))
            throw new ArgumentException($"--protocols {string.Join(",", protocols)}: this host speaks {string.Join(", ", ProtocolVersions.Supported)}");
        var judged = protocols.Max();

        Console.WriteLine($"link: {payloadSize} B QoS 0 payloads, {seconds} s per direction after {Warmup.TotalSeconds:0} s warm-up, " +
                          $"{inflight} publish calls in flight, {linkKind} link, protocol version(s) {string.Join(", ", protocols)}; {BenchSupport.Machine()}");
        var results = new List<LinkResult>();
        var ptyDirectory = Path.Combine(Path.GetTempPath(), $"air780-bench-{Environment.ProcessId}");
        try
        {
            foreach (var baud in bauds)
                foreach (var version in protocols)
                    results.Add(await RunAtAsync(baud, version, TimeSpan.FromSeconds(seconds), payloadSize, inflight, linkKind, ptyDirectory));
        }
        finally
        {
            if (Directory.Exists(ptyDirectory)) Directory.Delete(ptyDirectory, recursive: true);
        }

        Console.WriteLine();
        Console.WriteLine($"  {"baud",8} {"ver",3} {"dir",-5} {"line B/s",9} {"payload B/s",12} {"% line",7} {"encoding",9} {"codec min",9} {"line busy",9}  notes");
        foreach (var r in results)
            foreach (var d in new[] { r.Up, r.Down })
                Console.WriteLine($"  {r.Baud,8} {r.Protocol,3} {d.Direction,-5} {r.LineBytesPerSecond,9:0} {d.PayloadBytesPerSecond,12:0} {d.PercentOfLine,6:0.0}% " +
                                  $"{d.EncodingPercent,8:0.0}% {d.CodecPercent,8:0.0}% {d.LineBusyPercent,8:0.0}%  {d.Notes}");
        Console.WriteLine("  encoding = payload / wire bytes (frames, CBOR) of the publish requests (up) or recv events (down) that crossed in the window,");
        Console.WriteLine("  parsed from the serial line; codec min = the same for one message as the codec encodes it; line busy = all wire bytes / line rate.");
        var scored = results.Where(r => r.Protocol == judged).ToList();
        var encodingPass = scored.All(r => r.Up.EncodingPercent >= EncodingTargetPercent && r.Down.EncodingPercent >= EncodingTargetPercent);
        var linePass = scored.All(r => r.Up.PercentOfLine >= TargetPercent && r.Down.PercentOfLine >= TargetPercent);
        var negotiated = scored.All(r => r.Negotiated == judged);
        Console.WriteLine();
        if (!negotiated)
            Console.WriteLine($"FAIL: the link did not negotiate protocol version {judged} (got {string.Join(", ", scored.Select(r => r.Negotiated))})");
        Console.WriteLine($"{(encodingPass ? "PASS" : "FAIL")}: encoding >= {EncodingTargetPercent:0}% for {payloadSize} B payloads on version {judged}: " +
                          string.Join("; ", scored.Select(r => $"{r.Baud} baud up {r.Up.EncodingPercent:0.0}%, down {r.Down.EncodingPercent:0.0}%")));
        Console.WriteLine($"{(linePass ? "PASS" : "FAIL")}: >= {TargetPercent:0}% of line rate for {payloadSize} B payloads in both directions on version {judged} " +
                          $"(worst {scored.Min(r => Math.Min(r.Up.PercentOfLine, r.Down.PercentOfLine)):0.0}%)");
        var pass = encodingPass && linePass && negotiated;
        BenchSupport.WriteJson(jsonPath, new
        {
            benchmark = "link",
            date = DateTime.UtcNow,
            machine = BenchSupport.Machine(),
            parameters = new { bauds, seconds, payloadSize, inflight, link = linkKind, protocols, warmupSeconds = Warmup.TotalSeconds },
            target = $"on protocol version {judged}: encoding >= {EncodingTargetPercent}% both directions (payload / wire bytes of the publish requests " +
                     $"and recv events), and >= {TargetPercent}% of line rate (baud/10 bytes/s) in payload bytes, both directions",
            verdict = pass ? "PASS" : "FAIL",
            results,
        });
        return pass ? 0 : 1;
    }

    internal sealed record DirectionResult(string Direction, long Messages, double PayloadBytesPerSecond, double PercentOfLine,
        double EncodingPercent, double CodecPercent, double LineBusyPercent, string Notes);

    internal sealed record LinkResult(int Baud, int Protocol, int Negotiated, double LineBytesPerSecond, DirectionResult Up, DirectionResult Down);

    private static async Task<LinkResult> RunAtAsync(int baud, int version, TimeSpan window, int payloadSize, int inflight, string linkKind, string ptyDirectory)
    {
        var lineRate = baud / 10.0;
        var payload = new byte[payloadSize];
        Random.Shared.NextBytes(payload);
        await using var harness = await HarnessBroker.StartAsync(new HarnessSettings { BindAddress = IPAddress.Loopback, Port = 0 });
        using var module = new VirtualModule(new VirtualModuleOptions { Name = $"link-{baud}-v{version}" });
        module.Start();
        var serial = new CountingSerial(module.Serial);
        using var link = BenchSupport.OpenLink(serial, module.Name, linkKind, baud, ptyDirectory);
        // The host offers every version up to the one measured; the agent offers all it speaks.
        await using var client = await Air780Client.ConnectAsync(link.ConnectionString,
            new LinkOptions { Protocols = ProtocolVersions.Supported.Where(v => v <= version).ToArray() });
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

        Console.WriteLine($"{baud} baud ({lineRate:0} B/s each way), protocol version {client.Hello.Proto} negotiated (agent speaks {string.Join(", ", client.Hello.Protos)}):");
        var up = await MeasureUpAsync(mqtt, payload, inflight, window, lineRate, serial, version,
            () => (Interlocked.Read(ref upPayload), Interlocked.Read(ref upMessages)));
        var down = await MeasureDownAsync(client, peer, payload, window, lineRate, serial, version);
        await peer.DisconnectAsync();
        return new LinkResult(baud, version, client.Hello.Proto, lineRate, up, down);
    }

    /// <summary>PC -> broker: <paramref name="inflight"/> loops each awaiting one publish call at a time.</summary>
    private static async Task<DirectionResult> MeasureUpAsync(LuatMqttClientProxy mqtt, byte[] payload, int inflight, TimeSpan window, double lineRate,
        CountingSerial serial, int version, Func<(long Bytes, long Messages)> arrived)
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
        var wire0 = serial.Up.Snapshot();
        lock (calls) calls.Clear();
        var watch = Stopwatch.StartNew();
        await Task.Delay(window);
        var (bytes1, messages1) = arrived();
        var wire1 = serial.Up.Snapshot();
        var elapsed = watch.Elapsed.TotalSeconds;
        List<double> latencies;
        lock (calls) latencies = calls.Order().ToList();
        await stop.CancelAsync();
        await Task.WhenAll(publishers);

        var messages = messages1 - messages0;
        var rate = (bytes1 - bytes0) / elapsed;
        var codec = UpFrameBytes(payload.Length, version);
        var result = Direction("up", messages, rate, lineRate, wire1 - wire0, payload.Length, codec, elapsed,
            $"publish call median {BenchSupport.Percentile(latencies, 50):0} ms, p99 {BenchSupport.Percentile(latencies, 99):0} ms; " +
            $"{(wire1 - wire0).WirePerMessage:0.0} B/publish on the wire, codec {codec} B");
        Console.WriteLine($"  up:   {rate:0} payload B/s = {result.PercentOfLine:0.0}% of line ({result.Notes})");
        return result;
    }

    /// <summary>Broker -> PC: the peer offers payload at the full line rate, so the link (not the offer) limits what arrives.</summary>
    private static async Task<DirectionResult> MeasureDownAsync(Air780Client client, IMqttClient peer, byte[] payload, TimeSpan window, double lineRate,
        CountingSerial serial, int version)
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
        var (bytes0, messages0, wire0) = (Interlocked.Read(ref received), Interlocked.Read(ref messages), serial.Down.Snapshot());
        var watch = Stopwatch.StartNew();
        await Task.Delay(window);
        var (bytes1, messages1, wire1) = (Interlocked.Read(ref received), Interlocked.Read(ref messages), serial.Down.Snapshot());
        var elapsed = watch.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await publisher;
        client.EventReceived -= Count;

        var count = messages1 - messages0;
        var rate = (bytes1 - bytes0) / elapsed;
        var codec = DownFrameBytes(payload.Length, version);
        // Module output is counted as the agent writes it (ahead of the pacing), so line busy may read a little high.
        var result = Direction("down", count, rate, lineRate, wire1 - wire0, payload.Length, codec, elapsed,
            $"offered {Interlocked.Read(ref offered)} messages, {Interlocked.Read(ref messages)} arrived by the end, backlog {Interlocked.Read(ref offered) - Interlocked.Read(ref messages)}; " +
            $"agent dropped {Interlocked.Read(ref dropped)}, link lost {Interlocked.Read(ref gaps)}; {(wire1 - wire0).WirePerMessage:0.0} B/recv on the wire, codec {codec} B");
        Console.WriteLine($"  down: {rate:0} payload B/s = {result.PercentOfLine:0.0}% of line ({result.Notes})");
        return result;
    }

    private static DirectionResult Direction(string name, long messages, double rate, double lineRate, WireTally wire, int payload, int codec,
        double elapsed, string notes) =>
        new(name, messages, Math.Round(rate), Math.Round(100 * rate / lineRate, 1), Math.Round(100 * wire.EncodingRatio, 2),
            Math.Round(100.0 * payload / codec, 2), Math.Round(100 * wire.AllBytes / elapsed / lineRate, 1), notes);

    /// <summary>Bytes on the wire for one publish request as the client encodes it (handle 1, QoS 0, no retain).</summary>
    private static int UpFrameBytes(int payload, int version) =>
        WireBytes(MessageCodec.Encode(new RequestMessage(1, "mqtt.publish", [1L, UpTopic, new byte[payload], 0L]), version));

    /// <summary>Bytes on the wire for one recv event as the agent encodes it (topic and payload as byte strings, current-firmware metas).</summary>
    private static int DownFrameBytes(int payload, int version) =>
        WireBytes(MessageCodec.Encode(new EventMessage(1, ["mqtt"u8.ToArray(), 1L, "recv"u8.ToArray(), System.Text.Encoding.ASCII.GetBytes(DownTopic), new byte[payload],
            new Dictionary<object, object?> { ["message_id"] = 0L, ["qos"] = 0L, ["retain"] = 0L, ["dup"] = 0L }]), version));

    private static int WireBytes(WireMessage message) =>
        FrameEncoder.Fragment(message.Type, message.Id, message.Body, 2048).Sum(f => f.Body.Length + FrameFormat.Overhead);
}

/// <summary>
/// Counts the bytes crossing the module's serial side (from the host after pacing, to the host as the agent writes
/// them) and parses each direction into messages, so the encoding of the payload-carrying ones is measured on the wire.
/// </summary>
internal sealed class CountingSerial : IModuleSerial
{
    private readonly IModuleSerial _inner;

    public CountingSerial(IModuleSerial inner)
    {
        _inner = inner;
        _inner.ToHost += chunk =>
        {
            Down.Add(chunk.Span);
            ToHost?.Invoke(chunk);
        };
    }

    public event Action<ReadOnlyMemory<byte>>? ToHost;

    /// <summary>Host -> module; counted: publish requests (the payload is argument 3).</summary>
    public WireCounter Up { get; } = new(m => m is RequestMessage { Method: "mqtt.publish", Args: [_, _, byte[] p, ..] } ? p.Length : null);

    /// <summary>Module -> host; counted: recv events (the payload is the fifth body element).</summary>
    public WireCounter Down { get; } = new(m => m is EventMessage { Body: [_, _, _, _, byte[] p, ..] } e && MessageCodec.AsText(e.Body[2]) == "recv" ? p.Length : null);

    public void DeliverFromHost(ReadOnlySpan<byte> transfer)
    {
        Up.Add(transfer);
        _inner.DeliverFromHost(transfer);
    }

    public void TransmitCompleted(int bytes) => _inner.TransmitCompleted(bytes);
}

/// <summary>Bytes of one direction, and payload / wire bytes of the messages <c>payloadOf</c> picks (it returns their payload length).</summary>
internal sealed class WireCounter(Func<ProtocolMessage, int?> payloadOf)
{
    private readonly Lock _lock = new();
    private readonly FrameReader _reader = new();
    private readonly MessageAssembler _assembler = new();
    private readonly List<ReceivedFrame> _frames = [];
    private long _all, _messages, _payload, _wire, _pending;

    public void Add(ReadOnlySpan<byte> chunk)
    {
        lock (_lock)
        {
            _all += chunk.Length;
            _frames.Clear();
            _reader.Read(chunk, _frames);
            foreach (var frame in _frames)
            {
                _pending += frame.Frame.Body.Length + FrameFormat.Overhead;
                if (_assembler.Add(frame) is not { } message)
                    continue;
                if (payloadOf(MessageCodec.Decode(message)) is { } payload)
                {
                    _messages++;
                    _payload += payload;
                    _wire += _pending;
                }
                _pending = 0;
            }
        }
    }

    public WireTally Snapshot()
    {
        lock (_lock)
            return new WireTally(_all, _messages, _payload, _wire);
    }
}

internal readonly record struct WireTally(long AllBytes, long Messages, long PayloadBytes, long MessageWireBytes)
{
    public double EncodingRatio => MessageWireBytes == 0 ? double.NaN : (double)PayloadBytes / MessageWireBytes;
    public double WirePerMessage => Messages == 0 ? double.NaN : (double)MessageWireBytes / Messages;

    public static WireTally operator -(WireTally a, WireTally b) =>
        new(a.AllBytes - b.AllBytes, a.Messages - b.Messages, a.PayloadBytes - b.PayloadBytes, a.MessageWireBytes - b.MessageWireBytes);
}
