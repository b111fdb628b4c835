namespace Air780Bridge.Agent.Tests;

/// <summary>br_frame.lua's incremental reader: resynchronisation (§1.3) and reassembly (§1.2).</summary>
public sealed class ReaderTests : IDisposable
{
    private readonly LuaHost _lua = new();

    public ReaderTests()
    {
        // got: delivered messages as "type/id/body"; f1..f3: valid frames; big: a 4-fragment message.
        _lua.Run("""
            cbor, frame = require "br_cbor", require "br_frame"
            got = {}
            function new_reader(max_message)
                got = {}
                r = frame.reader(2048, max_message or 65536, function(t, id, body)
                    got[#got + 1] = t .. "/" .. id .. "/" .. (body or "<too_large>")
                end)
            end
            function delivered() return table.concat(got, "|") end
            new_reader()
            f1 = frame.encode(0x03, 1, "first", 2048)
            f2 = frame.encode(0x03, 2, "second", 2048)
            f3 = frame.encode(0x10, 3, "third\0\167\128", 2048)
            big_body = string.rep("0123456789", 30)
            big, big_count = frame.encode(0x10, 9, big_body, 100)
            function fragment(i) return big:sub((i - 1) * 100 + 1, i * 100) end
            """);
    }

    public void Dispose() => _lua.Dispose();

    [Fact]
    public void Garbage_before_and_between_frames_is_skipped_and_counted()
    {
        _lua.Run("r.feed('xx' .. f1 .. '\\167junk\\128' .. f2 .. '\\167')");
        Assert.Equal("3/1/first|3/2/second", _lua.Str("delivered()"));
        Assert.Equal(2 + 6, _lua.Int("r.garbage_bytes"));
        Assert.Equal(1, _lua.Int("r.pending()")); // a trailing 0xA7 may start the next magic
        _lua.Run("r.feed('zzz')");
        Assert.Equal(2 + 6 + 4, _lua.Int("r.garbage_bytes"));
        Assert.Equal(0, _lua.Int("r.pending()"));
    }

    [Fact]
    public void Frames_torn_at_every_position_are_delivered_once()
    {
        _lua.Run("""
            stream = f1 .. f3
            results = {}
            for cut = 0, #stream do
                new_reader()
                r.feed(stream:sub(1, cut))
                r.feed(stream:sub(cut + 1))
                if delivered() ~= "3/1/first|16/3/third\0\167\128" or r.garbage_bytes ~= 0 then
                    results[#results + 1] = cut .. ":" .. delivered()
                end
            end
            new_reader()
            for i = 1, #stream do r.feed(stream:sub(i, i)) end
            """);
        Assert.Equal("", _lua.Str("table.concat(results, ',')"));
        Assert.Equal("3/1/first|16/3/third\0\u00A7\u0080", _lua.Str("delivered()"));
    }

    [Fact]
    public void Flipped_bits_never_deliver_a_wrong_frame()
    {
        _lua.Run("""
            wrong, rejected = {}, 0
            for pos = 1, #f1 do
                for bit = 0, 7 do
                    new_reader()
                    local b = f1:byte(pos) ~ (1 << bit)
                    r.feed(f1:sub(1, pos - 1) .. string.char(b) .. f1:sub(pos + 1) .. f2)
                    -- The damaged frame may hide f2 behind a long bogus len: flush with padding.
                    r.feed(string.rep("\0", 2048))
                    if delivered() ~= "3/2/second" then wrong[#wrong + 1] = pos .. "." .. bit .. "=" .. delivered() end
                    if r.crc_errors + r.header_rejects > 0 then rejected = rejected + 1 end
                end
            end
            """);
        Assert.Equal("", _lua.Str("table.concat(wrong, ',')"));
        // Flips inside the magic just turn the frame into garbage; every other flip is a reject.
        Assert.Equal(_lua.Int("(#f1 - 2) * 8"), _lua.Int("rejected"));
    }

    [Fact]
    public void A_valid_frame_hidden_inside_a_torn_one_is_found()
    {
        _lua.Run("r.feed(f3:sub(1, 12) .. f1 .. f2)");
        Assert.Equal("3/1/first|3/2/second", _lua.Str("delivered()"));
        Assert.Equal(1, _lua.Int("r.crc_errors"));
    }

    [Fact]
    public void A_fragmented_message_is_reassembled()
    {
        Assert.Equal(4, _lua.Int("big_count"));
        _lua.Run("for i = 1, 4 do r.feed(fragment(i)) end");
        Assert.Equal(_lua.Str("'16/9/' .. big_body"), _lua.Str("delivered()"));
        Assert.Equal(4, _lua.Int("r.frames_in"));
    }

    [Theory]
    [InlineData("fragment(2) .. fragment(3) .. fragment(4) .. f1", 3, 0)]               // head lost: 3 orphan tails
    [InlineData("fragment(1) .. fragment(2) .. fragment(3) .. f1", 1, 0)]               // tail lost: next message arrives
    [InlineData("fragment(1) .. fragment(2):sub(1, 50) .. fragment(3) .. fragment(4) .. f1", 3, 1)] // torn middle
    [InlineData("fragment(1) .. fragment(2) .. f1 .. fragment(3) .. fragment(4)", 3, 0)] // another frame interleaved
    public void A_lost_fragment_is_counted_and_never_delivered(string stream, int dropped, int crcErrors)
    {
        _lua.Run($"r.feed({stream})");
        Assert.Equal("3/1/first", _lua.Str("delivered()"));
        Assert.Equal(dropped, _lua.Int("r.fragments_dropped"));
        Assert.Equal(crcErrors, _lua.Int("r.crc_errors"));
    }

    [Fact]
    public void A_message_larger_than_max_message_is_reported_without_its_body()
    {
        _lua.Run("new_reader(250); r.feed(big .. f1)");
        Assert.Equal("16/9/<too_large>|3/1/first", _lua.Str("delivered()"));
    }

    [Fact]
    public void Oversized_len_is_a_header_reject()
    {
        _lua.Run("""
            local h = string.pack(">BI2I2", 0x03, 1, 3000)
            local bogus = "\167\128" .. h .. string.pack(">I2", crypto.crc32(h) & 0xFFFF)
            r.feed(bogus .. f1)
            """);
        Assert.Equal("3/1/first", _lua.Str("delivered()"));
        Assert.Equal(1, _lua.Int("r.header_rejects"));
        Assert.Equal(0, _lua.Int("r.crc_errors"));
    }
}
