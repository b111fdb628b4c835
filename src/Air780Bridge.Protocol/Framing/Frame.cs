namespace Air780Bridge.Protocol.Framing;

/// <summary>Frame types (docs/protocol.md §1.1; the same in every protocol version).</summary>
public enum FrameType : byte
{
    HelloRequest = 0x01,
    Hello = 0x02,
    Ping = 0x03,
    Pong = 0x04,
    Request = 0x10,
    Result = 0x11,
    Error = 0x12,
    Event = 0x20,
    Credit = 0x30,
}

/// <summary>
/// One frame as it travels on the wire. <see cref="More"/> marks a fragment that is not the last,
/// <see cref="Continuation"/> one that is not the first.
/// </summary>
public readonly record struct Frame(FrameType Type, bool More, ushort Id, ReadOnlyMemory<byte> Body, bool Continuation = false)
{
    public override string ToString() => $"{(Continuation ? "+" : "")}{Type}{(More ? "+" : "")} id={Id} len={Body.Length}";
}

/// <summary>Wire constants shared by encoder and reader.</summary>
public static class FrameFormat
{
    public const byte Magic0 = 0xA7;
    public const byte Magic1 = 0x80;
    public const int HeaderSize = 9;
    public const int TrailerSize = 4;
    public const int Overhead = HeaderSize + TrailerSize;
    public const byte MoreFlag = 0x80;
    public const byte ContinuationFlag = 0x40;
    public const byte TypeMask = 0x3F;

    /// <summary>Frame size limits used before the agent's HELLO says otherwise (§3).</summary>
    public const int DefaultMaxFrame = 1024;

    /// <summary>What the host accepts from the agent: the 16-bit length field is the only limit.</summary>
    public const int HostMaxFrame = ushort.MaxValue + Overhead;
}
