using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;
using Air780Bridge.Protocol.Values;
using CsCheck;

namespace Air780Bridge.Protocol.Tests;

/// <summary>
/// Frames that pass every check but carry hostile bodies, and frames torn at the end of a burst: the decoder
/// says "malformed" with one exception type, the reader never holds good frames back for long (issue 10).
/// </summary>
public class HostileInputTests
{
    private static readonly FrameType[] Types = [FrameType.Hello, FrameType.Pong, FrameType.Request, FrameType.Result, FrameType.Error, FrameType.Event, FrameType.Credit];

    // Bodies that look like CBOR: an array or map head, then items biased to 8-byte integer arguments (0x1B/0x3B),
    // where the overflow hid, and to nested heads.
    private static readonly Gen<byte[]> GenBody =
        from head in Pick(0x81, 0x82, 0x83, 0x85, 0xA1, 0xA2, 0x1B, 0x3B, 0x9F)
        from items in Gen.OneOf(
            Gen.Byte.Array[0, 40],
            Gen.Select(Pick(0x1B, 0x3B, 0x3A, 0x39, 0x38), Gen.Byte.Array[0, 9], (b, a) => new[] { b }.Concat(a).ToArray())).Array[1, 4]
        select new[] { head }.Concat(items.SelectMany(i => i)).ToArray();

    private static Gen<byte> Pick(params byte[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    [Fact]
    public void A_negative_integer_beyond_64_bits_is_a_format_error_not_an_overflow()
    {
        // [-(2^64)]: major type 1 with argument 2^64-1. It made MessageCodec.Decode throw OverflowException.
        var body = Convert.FromHexString("813BFFFFFFFFFFFFFFFF");
        var e = Assert.Throws<ProtocolFormatException>(() => MessageCodec.Decode(new WireMessage(FrameType.Result, 1, body)));
        Assert.IsType<OverflowException>(e.InnerException);
    }

    [Fact]
    public void Crc_valid_random_bodies_decode_or_fail_only_as_format_errors()
    {
        long decoded = 0, rejected = 0;
        Gen.Select(Gen.Int[0, Types.Length - 1], GenBody).Sample((type, body) =>
        {
            var bytes = FrameEncoder.Encode(new Frame(Types[type], false, 7, body));
            var frames = new List<ReceivedFrame>();
            new FrameReader().Read(bytes, frames);
            var message = new MessageAssembler().Add(Assert.Single(frames))!.Value;
            try
            {
                MessageCodec.Decode(message);
                decoded++;
            }
            catch (ProtocolFormatException)
            {
                rejected++;
            }
        }, iter: 300_000, threads: 1);
        Assert.True(decoded > 1000 && rejected > 1000, $"the generator must reach both outcomes ({decoded} decoded, {rejected} rejected)");
    }

    [Fact]
    public void A_torn_header_holds_frames_back_for_at_most_max_frame_bytes()
    {
        var good = FrameEncoder.Encode(new Frame(FrameType.Event, false, 1, new byte[100]));
        // A header whose length field says 60000 but whose header check is valid: it looks like the start of a big frame.
        var torn = FrameEncoder.Encode(new Frame(FrameType.Event, false, 9, new byte[60000]))[..FrameFormat.HeaderSize];
        int HeldBack(FrameReader reader)
        {
            var got = new List<ReceivedFrame>();
            reader.Read(torn, got);
            var fed = 0;
            while (got.Count == 0)
            {
                reader.Read(good, got);
                fed += good.Length;
            }
            return fed;
        }
        Assert.True(HeldBack(new FrameReader()) > 50_000);
        Assert.True(HeldBack(new FrameReader { MaxFrame = 2048 }) <= 2048 + good.Length);
    }

    [Fact]
    public void The_partial_frame_timeout_delivers_what_a_torn_frame_hid_and_empties_the_reader()
    {
        var good = FrameEncoder.Encode(new Frame(FrameType.Result, false, 3, "ok"u8.ToArray()));
        var torn = FrameEncoder.Encode(new Frame(FrameType.Event, false, 9, new byte[500]))[..40];
        var reader = new FrameReader { MaxFrame = 2048 };
        var got = new List<ReceivedFrame>();
        reader.Read([.. torn, .. good], got);
        Assert.Empty(got); // the torn frame's header claims 500 bytes: the good frame is inside them
        reader.Expire(got);
        Assert.Equal(3, Assert.Single(got).Frame.Id);
        Assert.True(got[0].AfterDamage);
        Assert.Equal(0, reader.Pending);
        Assert.Equal(1, reader.Stats.PartialTimeouts);
        reader.Expire(got); // nothing held: nothing to count
        Assert.Equal(1, reader.Stats.PartialTimeouts);
    }
}
