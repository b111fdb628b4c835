using System.Buffers.Binary;
using System.IO.Hashing;

namespace Air780Bridge.Protocol.Framing;

/// <summary>A frame as delivered by the reader. <see cref="AfterDamage"/> is true when bytes were discarded since the previous good frame.</summary>
public readonly record struct ReceivedFrame(Frame Frame, bool AfterDamage);

/// <summary>Counters of everything the reader threw away; a resync is never silent.</summary>
public sealed record FrameReaderStats(long Frames, long GarbageBytes, long HeaderRejects, long CrcErrors, long PartialTimeouts = 0)
{
    public long Damage => GarbageBytes + HeaderRejects + CrcErrors + PartialTimeouts;
}

/// <summary>
/// Incremental frame reader with resynchronisation (docs/protocol.md §1.3). Pure: feed it bytes in any
/// chunking; it never throws on input and never delivers a frame whose checks fail.
/// </summary>
public sealed class FrameReader
{
    private int _maxFrame;
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;
    private bool _damaged;
    private long _frames, _garbage, _headerRejects, _crcErrors, _partialTimeouts;

    public FrameReader(int maxFrame = FrameFormat.HostMaxFrame) => MaxFrame = maxFrame;

    /// <summary>
    /// Largest frame accepted, header and CRC included. A larger declared length is a torn header: the smaller
    /// this is, the fewer bytes a torn header can hold valid frames back (§1.3). The host sets the agent's
    /// max_frame once HELLO told it.
    /// </summary>
    public int MaxFrame
    {
        get => _maxFrame;
        set
        {
            if (value <= FrameFormat.Overhead || value > FrameFormat.HostMaxFrame)
                throw new ArgumentOutOfRangeException(nameof(MaxFrame), value, $"must be {FrameFormat.Overhead + 1}..{FrameFormat.HostMaxFrame}");
            _maxFrame = value;
        }
    }

    public FrameReaderStats Stats => new(_frames, _garbage, _headerRejects, _crcErrors, _partialTimeouts);

    /// <summary>Bytes held while waiting for the rest of a frame.</summary>
    public int Pending => _end - _start;

    /// <summary>Appends <paramref name="data"/> and adds every complete, valid frame to <paramref name="output"/>.</summary>
    public void Read(ReadOnlySpan<byte> data, ICollection<ReceivedFrame> output)
    {
        Append(data);
        while (TryTakeFrame(out var frame))
            output.Add(frame);
        Compact();
    }

    /// <summary>
    /// The partial-frame timeout (§1.3): no byte arrived for the frame timeout, so what is held is not the start of
    /// a frame that is still coming. Drops it one byte at a time, delivering every valid frame hidden behind a torn
    /// header, until nothing is held. Counted once as a partial timeout.
    /// </summary>
    public void Expire(ICollection<ReceivedFrame> output)
    {
        if (Pending == 0)
            return;
        _partialTimeouts++;
        while (Pending > 0)
        {
            Discard(1);
            while (TryTakeFrame(out var frame))
                output.Add(frame);
        }
        Compact();
    }

    private bool TryTakeFrame(out ReceivedFrame frame)
    {
        frame = default;
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            var magic = IndexOfMagic(span);
            if (magic < 0)
            {
                // Keep a trailing 0xA7: it may be the first half of a magic split across reads.
                var keep = span.Length > 0 && span[^1] == FrameFormat.Magic0 ? 1 : 0;
                Discard(span.Length - keep);
                return false;
            }
            Discard(magic);
            span = _buffer.AsSpan(_start, _end - _start);
            if (span.Length < FrameFormat.HeaderSize)
                return false;

            var len = BinaryPrimitives.ReadUInt16BigEndian(span[5..]);
            var check = BinaryPrimitives.ReadUInt16BigEndian(span[7..]);
            if (check != FrameEncoder.HeaderCheck(span.Slice(2, 5)) || len + FrameFormat.Overhead > _maxFrame)
            {
                _headerRejects++;
                SkipMagicByte();
                continue;
            }
            var total = FrameFormat.Overhead + len;
            if (span.Length < total)
                return false;
            var crc = BinaryPrimitives.ReadUInt32BigEndian(span[(FrameFormat.HeaderSize + len)..]);
            if (crc != Crc32.HashToUInt32(span.Slice(2, 7 + len)))
            {
                _crcErrors++;
                SkipMagicByte();
                continue;
            }
            var typeByte = span[2];
            var body = span.Slice(FrameFormat.HeaderSize, len).ToArray();
            var id = BinaryPrimitives.ReadUInt16BigEndian(span[3..]);
            frame = new ReceivedFrame(
                new Frame((FrameType)(typeByte & FrameFormat.TypeMask), (typeByte & FrameFormat.MoreFlag) != 0, id, body,
                    (typeByte & FrameFormat.ContinuationFlag) != 0),
                _damaged);
            _damaged = false;
            _frames++;
            _start += total;
            return true;
        }
    }

    private static int IndexOfMagic(ReadOnlySpan<byte> span)
    {
        for (var i = span.IndexOf(FrameFormat.Magic0); i >= 0 && i < span.Length - 1;)
        {
            if (span[i + 1] == FrameFormat.Magic1)
                return i;
            var next = span[(i + 1)..].IndexOf(FrameFormat.Magic0);
            if (next < 0)
                return -1;
            i += 1 + next;
        }
        return -1;
    }

    // Dropping only the first magic byte rescans everything after it, so a valid frame hidden inside a torn one is found.
    private void SkipMagicByte()
    {
        _start++;
        _damaged = true;
    }

    private void Discard(int count)
    {
        if (count <= 0)
            return;
        _garbage += count;
        _start += count;
        _damaged = true;
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_end + data.Length > _buffer.Length)
        {
            Compact();
            if (_end + data.Length > _buffer.Length)
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _end + data.Length));
        }
        data.CopyTo(_buffer.AsSpan(_end));
        _end += data.Length;
    }

    private void Compact()
    {
        if (_start == 0)
            return;
        var length = _end - _start;
        Buffer.BlockCopy(_buffer, _start, _buffer, 0, length);
        _start = 0;
        _end = length;
    }
}
