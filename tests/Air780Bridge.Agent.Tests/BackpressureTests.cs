namespace Air780Bridge.Agent.Tests;

/// <summary>
/// The agent's heap under a host that ignores credit and does not read (issue 10: replies were always queued and
/// drove the heap to 1.6 MB on the real runtime), and its partial-frame timeout.
/// </summary>
public sealed class BackpressureTests : IDisposable
{
    private readonly LuaHost _lua = new();

    public BackpressureTests() =>
        _lua.Run($"H = dofile({LuaHost.Literal(Path.Combine(Paths.TestLua, "agent_harness.lua"))})");

    public void Dispose() => _lua.Dispose();

    [Fact]
    public void A_host_that_ignores_credit_and_does_not_read_cannot_grow_the_queue_past_its_limit()
    {
        _lua.Run("H.start(); H.sent(); H.out = {}");
        // 3000 PINGs of 1000 bytes written without waiting for credit, and nothing read: 3 MB of answers.
        _lua.Run("""
            local frame = require "br_frame"
            -- From a finished GC cycle: the peak then depends on the agent's allocations, not on where the
            -- incremental collector happened to be after loading (253 and 260 KiB for the same code from two checkouts).
            collectgarbage()
            base_kb = collectgarbage("count")
            for i = 1, 3000 do H.transfer(frame.encode(0x03, i % 65535 + 1, string.rep("p", 1000), 2048)) end
            collectgarbage()
            """);
        var limit = _lua.Int("H.agent.config.queue_limit");
        Assert.Equal(32768 + 8192, limit);
        _lua.Run("st = H.agent.stats()");
        // One read chunk's answers may land above the limit before reading stops.
        Assert.InRange(_lua.Int("st.queue_peak"), limit, limit + 2 * 1024 + 2048);
        Assert.True(_lua.Int("st.rx_pauses") > 0);
        // Bounded by the live set, not by the 3 MB offered: Lua's incremental GC lets the heap reach about twice the
        // live data before a cycle (bench/README.md "memory"), and the live data is the base plus a full queue, one
        // read chunk and one frame being assembled. (The figure is this 64-bit VM's; a module's 32-bit Lua is smaller.)
        var bound = 2 * (_lua.Int("math.floor(base_kb)") + (limit + 2 * 2048) / 1024);
        Assert.True(_lua.Int("st.heap_peak_kb") < bound, $"heap peak {_lua.Int("st.heap_peak_kb")} KiB, bound {bound} KiB (twice base {_lua.Int("math.floor(base_kb)")} KiB + queue)");
        Assert.True(_lua.Int("#H.rx") > 2000, "the requests wait in the UART buffer, not in the Lua heap");
        // The host reads again: every request is answered, in order, none lost.
        _lua.Run("""
            pongs = 0
            for _ = 1, 10000 do
                H.sent()
                if #H.out == 0 and #H.rx == 0 then break end
                H.drain()
                for i = #H.msgs, 1, -1 do
                    if H.msgs[i].type == 0x04 then pongs = pongs + 1; table.remove(H.msgs, i) end
                end
            end
            """);
        Assert.Equal(3000, _lua.Int("pongs"));
        Assert.Equal(_lua.Int("H.fed"), _lua.Int("H.credited()"));
    }

    [Fact]
    public void A_torn_frame_at_the_end_of_a_burst_is_dropped_after_the_frame_timeout()
    {
        _lua.Run("H.start()");
        // A torn header claiming 1500 bytes, then a request that would sit inside them until 1500 more bytes came.
        _lua.Run("""
            local frame = require "br_frame"
            torn = frame.encode(0x10, 99, string.rep("x", 1500), 2048):sub(1, 9)
            H.next_id = H.next_id + 1
            H.transfer(torn .. frame.encode(0x10, H.next_id, require("br_cbor").encode_array({ "agent.stats" }, 1, 1), 2048))
            id = H.next_id
            """);
        Assert.Equal("no reply to 1", _lua.Str("H.reply(id)"));
        _lua.Run("H.run_timers()");
        Assert.StartsWith("RESULT [{", _lua.Str("H.reply(id)"));
        Assert.Equal(1, _lua.Int("H.agent.stats().partial_timeouts"));
    }
}
