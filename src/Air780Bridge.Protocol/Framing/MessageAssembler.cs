namespace Air780Bridge.Protocol.Framing;

/// <summary>A whole message: one frame, or the concatenated bodies of its fragments.</summary>
public readonly record struct WireMessage(FrameType Type, ushort Id, ReadOnlyMemory<byte> Body);

/// <summary>Reassembles fragmented messages (docs/protocol.md §1.2); partial messages broken by damage are discarded and counted.</summary>
public sealed class MessageAssembler(int maxMessage = 1 << 20)
{
    private readonly List<byte[]> _parts = [];
    private int _partsLength;
    private FrameType _type;
    private ushort _id;

    public long DiscardedPartials { get; private set; }
    public long Oversized { get; private set; }

    /// <summary>Returns the completed message, or null while fragments are outstanding or the frame was discarded.</summary>
    public WireMessage? Add(ReceivedFrame received)
    {
        var frame = received.Frame;
        if (_parts.Count > 0 && (received.AfterDamage || frame.Type != _type || frame.Id != _id || !frame.Continuation))
            DiscardPartial();
        if (frame.Continuation && _parts.Count == 0)
        {
            // The tail of a message whose head was lost or that was too large: never a message of its own.
            DiscardedPartials++;
            return null;
        }

        if (_parts.Count == 0 && !frame.More)
            return new WireMessage(frame.Type, frame.Id, frame.Body);

        if (_partsLength + frame.Body.Length > maxMessage)
        {
            Oversized++;
            _parts.Clear();
            _partsLength = 0;
            return null;
        }
        _type = frame.Type;
        _id = frame.Id;
        _parts.Add(frame.Body.ToArray());
        _partsLength += frame.Body.Length;
        if (frame.More)
            return null;

        var body = new byte[_partsLength];
        var offset = 0;
        foreach (var part in _parts)
        {
            part.CopyTo(body, offset);
            offset += part.Length;
        }
        _parts.Clear();
        _partsLength = 0;
        return new WireMessage(_type, _id, body);
    }

    private void DiscardPartial()
    {
        DiscardedPartials++;
        _parts.Clear();
        _partsLength = 0;
    }
}
