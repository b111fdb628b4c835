using Air780Bridge.Protocol.Framing;

namespace Air780Bridge.Protocol.Tests;

public class FrameCodecTests
{
    internal static List<ReceivedFrame> ReadAll(FrameReader reader, ReadOnlySpan<byte> bytes)
    {
        var frames = new List<ReceivedFrame>();
        reader.Read(bytes, frames);
        return frames;
    }

    [Fact]
    public void Crc32_is_the_zlib_crc()
    {
        Assert.Equal(0xCBF43926u, System.IO.Hashing.Crc32.HashToUInt32("123456789"u8));
    }

    [Fact]
    public void Frame_layout_matches_the_spec()
    {
        var bytes = FrameEncoder.Encode(new Frame(FrameType.Request, false, 0x1234, new byte[] { 1, 2, 3 }));
        Assert.Equal(new byte[] { 0xA7, 0x80, 0x10, 0x12, 0x34, 0x00, 0x03 }, bytes[..7]);
        Assert.Equal(FrameFormat.Overhead + 3, bytes.Length);
        var more = FrameEncoder.Encode(new Frame(FrameType.Event, true, 1, Array.Empty<byte>()));
        Assert.Equal(0xA0, more[2]);
    }

    [Fact]
    public void Frames_round_trip_in_any_chunking()
    {
        var frames = Enumerable.Range(0, 20)
            .Select(i => new Frame((FrameType)new[] { 0x02, 0x10, 0x11, 0x20, 0x30 }[i % 5], i % 3 == 0, (ushort)(i * 977), Enumerable.Range(0, i * 37).Select(b => (byte)(b * 7 + i)).ToArray()))
            .ToList();
        var stream = frames.SelectMany(f => FrameEncoder.Encode(f)).ToArray();
        foreach (var chunk in new[] { 1, 2, 9, 13, 100, stream.Length })
        {
            var reader = new FrameReader();
            var got = new List<ReceivedFrame>();
            for (var i = 0; i < stream.Length; i += chunk)
                reader.Read(stream.AsSpan(i, Math.Min(chunk, stream.Length - i)), got);
            Assert.Equal(frames.Count, got.Count);
            for (var i = 0; i < frames.Count; i++)
            {
                Assert.Equal(frames[i].Type, got[i].Frame.Type);
                Assert.Equal(frames[i].More, got[i].Frame.More);
                Assert.Equal(frames[i].Id, got[i].Frame.Id);
                Assert.Equal(frames[i].Body.ToArray(), got[i].Frame.Body.ToArray());
                Assert.False(got[i].AfterDamage);
            }
            Assert.Equal(0, reader.Stats.Damage);
        }
    }

    [Fact]
    public void Garbage_before_and_between_frames_is_counted_and_skipped()
    {
        var a = FrameEncoder.Encode(new Frame(FrameType.Result, false, 1, new byte[] { 0x80 }));
        var b = FrameEncoder.Encode(new Frame(FrameType.Result, false, 2, new byte[] { 0xA7, 0x80 }));
        var stream = new byte[] { 0xA7, 0x00, 0x80, 0xA7 }.Concat(a).Concat(new byte[] { 0x41, 0x54, 0x0D, 0x0A }).Concat(b).ToArray();
        var reader = new FrameReader();
        var got = ReadAll(reader, stream);
        Assert.Equal(new ushort[] { 1, 2 }, got.Select(f => f.Frame.Id));
        Assert.True(got[0].AfterDamage);
        Assert.True(got[1].AfterDamage);
        Assert.Equal(8, reader.Stats.GarbageBytes);
    }

    [Fact]
    public void A_torn_frame_does_not_hide_the_next_one()
    {
        var torn = FrameEncoder.Encode(new Frame(FrameType.Event, false, 5, new byte[200]))[..50];
        var good = FrameEncoder.Encode(new Frame(FrameType.Event, false, 6, new byte[] { 9 }));
        var reader = new FrameReader();
        var got = ReadAll(reader, torn.Concat(good).ToArray());
        // The torn frame's length swallows the good frame; the CRC fails and the rescan finds it.
        got.AddRange(ReadAll(reader, new byte[200]));
        var frame = Assert.Single(got);
        Assert.Equal(6, frame.Frame.Id);
        Assert.True(frame.AfterDamage);
        Assert.Equal(1, reader.Stats.CrcErrors);
    }

    [Fact]
    public void A_flipped_bit_anywhere_is_never_delivered()
    {
        var original = FrameEncoder.Encode(new Frame(FrameType.Request, false, 77, Enumerable.Range(0, 64).Select(i => (byte)i).ToArray()));
        for (var bit = 0; bit < original.Length * 8; bit++)
        {
            var damaged = (byte[])original.Clone();
            damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            var reader = new FrameReader();
            Assert.Empty(ReadAll(reader, damaged.Concat(new byte[80]).ToArray()));
        }
    }

    [Fact]
    public void A_length_over_the_limit_is_rejected_at_the_header()
    {
        var big = FrameEncoder.Encode(new Frame(FrameType.Request, false, 1, new byte[600]));
        var reader = new FrameReader(maxFrame: 512);
        Assert.Empty(ReadAll(reader, big));
        Assert.Equal(1, reader.Stats.HeaderRejects);
        Assert.True(reader.Pending < FrameFormat.HeaderSize);
    }

    [Fact]
    public void Fragments_are_reassembled_and_a_lost_fragment_discards_the_message()
    {
        var body = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        var fragments = FrameEncoder.Fragment(FrameType.Request, 9, body, 1024).ToList();
        Assert.Equal(5, fragments.Count);
        Assert.All(fragments[..^1], f => Assert.True(f.More));
        Assert.All(fragments, f => Assert.True(f.Body.Length + FrameFormat.Overhead <= 1024));

        var assembler = new MessageAssembler();
        var messages = fragments.Select(f => assembler.Add(new ReceivedFrame(f, false))).ToList();
        Assert.All(messages[..^1], m => Assert.Null(m));
        Assert.Equal(body, messages[^1]!.Value.Body.ToArray());

        // Tear fragment 2: the reader marks the next frame AfterDamage, the assembler drops the partial.
        var reader = new FrameReader();
        var assembler2 = new MessageAssembler();
        var bytes = fragments.SelectMany((f, i) => i == 2 ? FrameEncoder.Encode(f)[..20] : FrameEncoder.Encode(f)).ToArray();
        var delivered = ReadAll(reader, bytes).Select(assembler2.Add).Where(m => m is not null).ToList();
        Assert.Empty(delivered);
        Assert.True(assembler2.DiscardedPartials >= 1);
    }

    [Fact]
    public void An_oversized_message_is_dropped_whole_not_its_tail()
    {
        var assembler = new MessageAssembler(maxMessage: 2000);
        var fragments = FrameEncoder.Fragment(FrameType.Request, 3, new byte[5000], 1024).ToList();
        Assert.All(fragments, f => Assert.Null(assembler.Add(new ReceivedFrame(f, false))));
        Assert.Equal(1, assembler.Oversized);
        var next = assembler.Add(new ReceivedFrame(new Frame(FrameType.Request, false, 4, new byte[] { 1 }), false));
        Assert.Equal(4, next!.Value.Id);
    }
}
