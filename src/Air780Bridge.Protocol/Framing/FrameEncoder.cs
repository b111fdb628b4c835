using System.Buffers.Binary;
using System.IO.Hashing;

namespace Air780Bridge.Protocol.Framing;

/// <summary>Turns messages into frames (splitting into fragments when needed) and frames into bytes.</summary>
public static class FrameEncoder
{
    /// <summary>Writes one frame. The body must fit the 16-bit length field.</summary>
    public static byte[] Encode(in Frame frame)
    {
        var body = frame.Body.Span;
        if (body.Length > ushort.MaxValue)
            throw new ArgumentException($"frame body of {body.Length} bytes exceeds the 65535-byte length field; send it as a fragmented message");
        var bytes = new byte[FrameFormat.Overhead + body.Length];
        bytes[0] = FrameFormat.Magic0;
        bytes[1] = FrameFormat.Magic1;
        bytes[2] = (byte)((byte)frame.Type | (frame.More ? FrameFormat.MoreFlag : 0) | (frame.Continuation ? FrameFormat.ContinuationFlag : 0));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(3), frame.Id);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(5), (ushort)body.Length);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(7), HeaderCheck(bytes.AsSpan(2, 5)));
        body.CopyTo(bytes.AsSpan(FrameFormat.HeaderSize));
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(FrameFormat.HeaderSize + body.Length), Crc32.HashToUInt32(bytes.AsSpan(2, 7 + body.Length)));
        return bytes;
    }

    /// <summary>Splits a message body into frames no larger than <paramref name="maxFrame"/> bytes each (§1.2).</summary>
    public static IEnumerable<Frame> Fragment(FrameType type, ushort id, ReadOnlyMemory<byte> body, int maxFrame)
    {
        var maxBody = maxFrame - FrameFormat.Overhead;
        if (maxBody < 1)
            throw new ArgumentOutOfRangeException(nameof(maxFrame), maxFrame, $"a frame needs more than {FrameFormat.Overhead} bytes");
        if (body.Length <= maxBody)
        {
            yield return new Frame(type, false, id, body);
            yield break;
        }
        for (var offset = 0; offset < body.Length; offset += maxBody)
        {
            var size = Math.Min(maxBody, body.Length - offset);
            yield return new Frame(type, offset + size < body.Length, id, body.Slice(offset, size), Continuation: offset > 0);
        }
    }

    internal static ushort HeaderCheck(ReadOnlySpan<byte> typeIdLen) => (ushort)Crc32.HashToUInt32(typeIdLen);
}
