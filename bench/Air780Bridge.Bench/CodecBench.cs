using System.Diagnostics;
using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;

namespace Air780Bridge.Bench;

/// <summary>
/// Protocol cost without a link: wire efficiency of a 1 KiB publish and an inbound 1 KiB "recv" event
/// (payload bytes / bytes on the wire) in every protocol version, and host-side encode/decode speed.
/// Target: both >= 90% in every version (the link benchmark judges version 2 against 97% on the wire).
/// </summary>
internal static class CodecBench
{
    public static int Run(TimeSpan duration)
    {
        var payload = new byte[1024];
        Random.Shared.NextBytes(payload);
        var request = new RequestMessage(1, "mqtt.publish", [1L, "air780/bench/topic", payload, 1L, 0L]);
        var recv = new EventMessage(1, ["mqtt"u8.ToArray(), 1L, "recv"u8.ToArray(), "air780/bench/topic"u8.ToArray(), payload,
            new Dictionary<object, object?> { ["qos"] = 1L, ["retain"] = 0L, ["dup"] = 0L, ["message_id"] = 7L }]);
        var pass = true;
        foreach (var version in ProtocolVersions.Supported)
        {
            var up = WireBytes(MessageCodec.Encode(request, version));
            var down = WireBytes(MessageCodec.Encode(recv, version));
            Console.WriteLine($"version {version}: wire efficiency, 1 KiB publish (host->module): {100.0 * payload.Length / up:F1}% ({up} bytes per message)");
            Console.WriteLine($"version {version}: wire efficiency, 1 KiB recv event (module->host): {100.0 * payload.Length / down:F1}% ({down} bytes per message)");
            pass &= up <= payload.Length / 0.9 && down <= payload.Length / 0.9;
        }
        var publish = MessageCodec.Encode(request, ProtocolVersions.Compact);

        var frames = FrameEncoder.Fragment(publish.Type, publish.Id, publish.Body, 2048).Select(f => FrameEncoder.Encode(f)).SelectMany(b => b).ToArray();
        var reader = new FrameReader();
        var assembler = new MessageAssembler();
        var received = new List<ReceivedFrame>();
        long messages = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration)
        {
            received.Clear();
            reader.Read(frames, received);
            foreach (var frame in received)
                if (assembler.Add(frame) is { } message && MessageCodec.Decode(message) is RequestMessage)
                    messages++;
        }
        var mbps = messages * frames.Length / watch.Elapsed.TotalSeconds / 1e6;
        Console.WriteLine($"host decode: {messages / watch.Elapsed.TotalSeconds:F0} publish messages/s ({mbps:F1} MB/s)");
        Console.WriteLine($"{(pass ? "PASS" : "FAIL")}: >= 90% payload on the wire for both messages in every version");
        return pass ? 0 : 1;
    }

    private static int WireBytes(WireMessage message) =>
        FrameEncoder.Fragment(message.Type, message.Id, message.Body, 2048).Sum(f => f.Body.Length + FrameFormat.Overhead);
}
