namespace Air780Bridge.Harness.Faults.Server;

/// <summary>
/// One behaviour of a broken or hostile server: the bytes it sends the module. Each fault is one class here and one
/// line in <see cref="ServerFaults"/> (Polly-chaos style: one extension point, the same shape for every fault).
/// Builders are pure: the tap (<c>WireTap.InjectAsync</c>) writes the bytes and records them on the timeline.
/// </summary>
public interface IServerFault
{
    /// <summary>The fault's name on the CLI and the control channel ("publish-qos3").</summary>
    string Name { get; }

    /// <summary>One line for help texts and the timeline's fault entry.</summary>
    string Summary { get; }

    InjectedBytes Build(ServerFaultArgs args);
}

/// <summary>What a fault may be told. <paramref name="PacketId"/>: the id the packet carries; <paramref name="Topic"/>:
/// the topic of a PUBLISH (wildcards and bad bytes are added by the fault itself); <paramref name="Size"/>: payload
/// bytes (oversize); <paramref name="Segment"/>: bytes per TCP segment (split).</summary>
public sealed record ServerFaultArgs(int? PacketId = null, string? Topic = null, int? Size = null, int? Segment = null)
{
    public const string DefaultTopic = "air780/server-fault";
    /// <summary>An id no module has in flight early in a session (modules count up from 1).</summary>
    public const int StrayPacketId = 0x7A7A;

    public int Id => PacketId ?? StrayPacketId;
    public string TopicOrDefault => Topic ?? DefaultTopic;
}

/// <summary>The packets a fault sends, in order; <paramref name="SegmentSize"/> &gt; 0 writes their concatenation in
/// segments of that many bytes, each flushed on its own (TCP_NODELAY) with <paramref name="Gap"/> between them.</summary>
public sealed record InjectedBytes(IReadOnlyList<byte[]> Packets, int SegmentSize = 0, TimeSpan Gap = default)
{
    public byte[] All => Packets.SelectMany(p => p).ToArray();

    public IReadOnlyList<byte[]> Segments()
    {
        if (SegmentSize <= 0) return Packets;
        return All.Chunk(SegmentSize).ToList();
    }
}
