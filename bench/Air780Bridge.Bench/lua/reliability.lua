-- Reliability bench, agent side, under a stock lua5.3 (the module's VM family):
--   lua5.3 reliability.lua <firmware-scripts> <agent-test-lua-dir> fuzz <frames> <seed>
--     fuzzed frames through br_frame's reader: prints "fuzz frames=.. delivered=.. false_accepts=.. errors=.."
--   lua5.3 reliability.lua <firmware-scripts> <agent-test-lua-dir> abuse <requests>
--     a host that ignores credit and does not read, then reads: prints "abuse heap_peak_kb=.. queue_peak=.. answered=.."
local fw, testlua, mode, n, seed = arg[1], arg[2], arg[3], tonumber(arg[4]), tonumber(arg[5] or 1)
package.path = fw .. "/?.lua;" .. package.path
dofile(testlua .. "/crc32_shim.lua")

if mode == "fuzz" then
    local frame = require "br_frame"
    math.randomseed(seed)
    local sent, delivered, false_accepts, errors = {}, 0, 0, 0
    local reader = frame.reader(2048, 1 << 20, function(t, id, body)
        delivered = delivered + 1
        local key = t .. ":" .. id .. ":" .. (body or "")
        if not sent[key] then false_accepts = false_accepts + 1 end
    end)
    local rnd, char = math.random, string.char
    local function bytes(k)
        local t = {}
        for i = 1, k do t[i] = char(rnd(0, 255)) end
        return table.concat(t)
    end
    local frames = 0
    while frames < n do
        -- a burst of 1-6 frames, then one kind of damage, fed in random chunks
        local parts = {}
        sent = {}
        for i = 1, rnd(1, 6) do
            local t, id, body = ({ 0x01, 0x03, 0x10 })[rnd(1, 3)], rnd(0, 65535), bytes(rnd(0, 120))
            sent[t .. ":" .. id .. ":" .. body] = true
            parts[i] = frame.encode(t, id, body, 2048)
            frames = frames + 1
        end
        local s = table.concat(parts)
        local damage = rnd(0, 4)
        if damage == 1 then s = s:sub(1, rnd(0, #s))
        elseif damage == 2 then
            for _ = 1, rnd(1, 3) do
                local p = rnd(1, #s)
                s = s:sub(1, p - 1) .. char(s:byte(p) ~ (1 << rnd(0, 7))) .. s:sub(p + 1)
            end
        elseif damage == 3 then
            for _ = 1, rnd(1, 3) do local p = rnd(1, #s) s = s:sub(1, p - 1) .. s:sub(p + 1) end
        elseif damage == 4 then
            for _ = 1, rnd(1, 9) do local p = rnd(0, #s) s = s:sub(1, p) .. (rnd(0, 1) == 0 and "\167" or bytes(1)) .. s:sub(p + 1) end
        end
        local pos = 1
        while pos <= #s do
            local k = rnd(1, 200)
            local ok = pcall(reader.feed, s:sub(pos, pos + k - 1))
            if not ok then errors = errors + 1 end
            pos = pos + k
        end
        -- a burst ends: the partial-frame timeout clears what a torn frame left
        if not pcall(reader.expire) then errors = errors + 1 end
    end
    print(string.format("fuzz frames=%d delivered=%d false_accepts=%d errors=%d", frames, delivered, false_accepts, errors))
elseif mode == "abuse" then
    local H = dofile(testlua .. "/agent_harness.lua")
    H.start()
    H.sent()
    H.out = {}
    local frame = require "br_frame"
    local payload = string.rep("p", 1000)
    collectgarbage()
    local base = collectgarbage("count")
    -- The UART buffer of a module is the driver's, not the Lua heap: the host's n requests (written without
    -- waiting for credit) are produced only as the agent reads them, so this heap holds only the agent's.
    local left, cur, reads, peak = n, "", 0, 0
    uart.read = function(_, len)
        while #cur < len and left > 0 do
            cur = cur .. frame.encode(0x03, left % 65535 + 1, payload, 2048)
            left = left - 1
        end
        local out = cur:sub(1, len)
        cur = cur:sub(len + 1)
        reads = reads + 1
        if reads % 50 == 0 then
            collectgarbage()
            local kb = collectgarbage("count")
            if kb > peak then peak = kb end
        end
        return out
    end
    H.transfer("") -- one "receive" event: the agent reads until its queue is full
    local st = H.agent.stats()
    local held = left > 0
    local answered = 0
    for _ = 1, 100 * n do
        H.sent()
        H.drain()
        for i = #H.msgs, 1, -1 do
            if H.msgs[i].type == 0x04 then answered = answered + 1 end
            H.msgs[i] = nil
        end
        if #H.out == 0 and left == 0 and #cur == 0 and answered >= n then break end
    end
    print(string.format("abuse requests=%d base_kb=%d peak_kb=%d queue_peak=%d queue_limit=%d held=%s answered=%d int_bits=%d",
        n, math.floor(base), math.floor(peak), st.queue_peak, H.agent.config.queue_limit, tostring(held), answered,
        math.maxinteger == 0x7FFFFFFF and 32 or 64))
end
