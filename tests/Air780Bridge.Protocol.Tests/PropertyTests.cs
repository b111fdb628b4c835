using Air780Bridge.Protocol.Framing;
using CsCheck;

namespace Air780Bridge.Protocol.Tests;

/// <summary>The reader never throws and never delivers a frame that was not sent, whatever the damage.</summary>
public class PropertyTests
{
    private static readonly FrameType[] Types = [FrameType.Hello, FrameType.Pong, FrameType.Result, FrameType.Error, FrameType.Event, FrameType.Credit];

    private static readonly Gen<Frame> GenFrame =
        from type in Gen.Int[0, Types.Length - 1].Select(i => Types[i])
        from more in Gen.Bool
        from id in Gen.UShort
        from body in Gen.Byte.Array[0, 300]
        select new Frame(type, more, id, body);

    private enum Damage { None, Truncate, FlipBits, DropBytes, InsertGarbage }

    private static readonly Gen<(Frame[] Frames, Damage Damage, int Seed)> GenCase =
        Gen.Select(GenFrame.Array[1, 6], Gen.Enum<Damage>(), Gen.Int);

    [Fact]
    public void Reader_survives_100000_random_truncated_and_flipped_frames()
    {
        var total = 0;
        GenCase.Sample(c =>
        {
            var encoded = c.Frames.Select(f => FrameEncoder.Encode(f)).ToList();
            var sent = new HashSet<string>(c.Frames.Select(Key));
            var bytes = Corrupt(encoded.SelectMany(b => b).ToArray(), c.Damage, new Random(c.Seed));
            var reader = new FrameReader();
            var got = new List<ReceivedFrame>();
            var random = new Random(c.Seed);
            for (var i = 0; i < bytes.Length;)
            {
                var n = Math.Min(bytes.Length - i, random.Next(1, 200));
                reader.Read(bytes.AsSpan(i, n), got);
                i += n;
            }
            Interlocked.Add(ref total, c.Frames.Length);
            foreach (var frame in got)
                if (!sent.Contains(Key(frame.Frame)))
                    return false;
            return c.Damage != Damage.None || got.Count == c.Frames.Length;
        }, iter: 30_000, threads: 1);
        Assert.True(total >= 100_000, $"only {total} frames generated");
    }

    [Fact]
    public void Pure_noise_never_yields_a_frame()
    {
        Gen.Byte.Array[0, 2000].Sample(noise =>
        {
            var got = new List<ReceivedFrame>();
            new FrameReader().Read(noise, got);
            return got.Count == 0;
        }, iter: 100_000, threads: 1);
    }

    private static string Key(Frame f) => $"{f.Type}/{f.More}/{f.Id}/{Convert.ToHexString(f.Body.Span)}";

    private static byte[] Corrupt(byte[] bytes, Damage damage, Random random)
    {
        var list = bytes.ToList();
        switch (damage)
        {
            case Damage.Truncate:
                var cut = random.Next(list.Count);
                list.RemoveRange(cut, list.Count - cut);
                break;
            case Damage.FlipBits:
                for (var i = random.Next(1, 4); i > 0; i--)
                    list[random.Next(list.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case Damage.DropBytes:
                for (var i = random.Next(1, 4); i > 0 && list.Count > 0; i--)
                    list.RemoveAt(random.Next(list.Count));
                break;
            case Damage.InsertGarbage:
                for (var i = random.Next(1, 10); i > 0; i--)
                    list.Insert(random.Next(list.Count + 1), random.Next(2) == 0 ? (byte)0xA7 : (byte)random.Next(256));
                break;
        }
        return list.ToArray();
    }
}
