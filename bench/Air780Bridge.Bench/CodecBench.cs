using System.Diagnostics;
using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;

namespace Air780Bridge.Bench;

/// <summary>
/// Protocol cost without a link: wire efficiency of a 1 KiB publish and an inbound 1 KiB "recv" event
/// (payload bytes / bytes on the wire), and host-side encode/decode speed.
/// </summary>
internal static class CodecBench
{
    public static int Run(TimeSpan duration)
    {
        var payload = new byte[1024];
        Random.Shared.NextBytes(payload);
        var publish = MessageCodec.Encode(new RequestMessage(1, "mqtt.publish", [1L, "air780/bench/topic", payload, 1L, 0L]));
        var recv = MessageCodec.Encode(new EventMessage(1, ["mqtt", 1L, "recv", "air780/bench/topic"u8.ToArray(), payload,
            new Dictionary<object, object?> { ["qos"] = 1L, ["retain"] = 0L, ["dup"] = 0L, ["message_id"] = 7L }]));
        var up = WireBytes(publish);
        var down = WireBytes(recv);
        Console.WriteLine($"wire efficiency, 1 KiB publish (host->module): {100.0 * payload.Length / up:F1}% ({up} bytes per message)");
        Console.WriteLine($"wire efficiency, 1 KiB recv event (module->host): {100.0 * payload.Length / down:F1}% ({down} bytes per message)");

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
        return up <= payload.Length / 0.9 && down <= payload.Length / 0.9 ? 0 : 1;
    }

    private static int WireBytes(WireMessage message) =>
        FrameEncoder.Fragment(message.Type, message.Id, message.Body, 2048).Sum(f => f.Body.Length + FrameFormat.Overhead);
}
