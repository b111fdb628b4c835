-- Checks the agent codec against tests/vectors/frames.json, rendered to a Lua chunk by the C# test
-- (VectorFile.ToLua). Runs inside KeraLua (Lua 5.4) and under a stock lua5.3:
--   lua5.3 check_vectors.lua <firmware-scripts dir> <vectors.lua>
-- As a chunk it returns a function(vectors_lua_text, agent_harness_path) -> passed, failures (one line each).
-- The compact forms are checked through the agent itself (on the harness fakes), which is where they live.
local function hex(s) return (s:gsub(".", function(c) return string.format("%02X", c:byte()) end)) end

local ARRAY = {} -- metatable marking expected arrays; .n holds the exact length

local function same(expected, got)
    if type(expected) ~= "table" then
        return expected == got and math.type(expected) == math.type(got)
    end
    if type(got) ~= "table" then return false end
    local n = getmetatable(expected) == ARRAY and expected.n or nil
    local count = 0
    for k, v in pairs(got) do
        count = count + 1
        if n and (math.type(k) ~= "integer" or k < 1 or k > n) then return false end
        if not same(expected[k], v) then return false end
    end
    local want = 0
    for k, v in pairs(expected) do if not (n and k == "n") and v ~= nil then want = want + 1 end end
    return count == want
end

-- Constructors used by the rendered vectors.
local env = {
    X = function(h) return (h:gsub("%x%x", function(b) return string.char(tonumber(b, 16)) end)) end,
    A = function(...) return setmetatable(table.pack(...), ARRAY) end,
    M = function(pairs_list)
        local t = {}
        for _, p in ipairs(pairs_list) do t[p[1]] = p[2] end
        return t
    end,
}

-- On version 2 the agent sends each event vector's body as exactly compact_hex (the version-1 form where that is
-- null), and turns each compact request into exactly the version-1 call.
local function check_compact(vectors, harness, expect)
    local H = dofile(harness)
    H.start()
    H.hello_req(1, 2)
    H.take("HELLO")
    for h = 1, 3 do
        H.reply(H.request("mqtt.create", nil, "vectors", 1883))
        H.reply(H.request("mqtt.on", h, true))
    end
    H.take("EVENT")
    for _, v in ipairs(vectors.compact) do
        local v1 = v.v1
        if v.type == 0x20 then
            H.fire(v1[2], table.unpack(v1, 3, v1.n))
            local got = H.take("EVENT")
            local e = got[1]
            if v.compact_hex then
                expect(#got == 1 and hex(e.body) == v.compact_hex, v.name, "sent " .. (e and hex(e.body) or "nothing"))
            else
                expect(#got == 1 and e.tail == "" and e.n == v1.n and same(v1, e.value), v.name, "sent " .. (e and e.text or "nothing"))
            end
        else
            local reply = H.reply(H.request_body(env.X(v.compact_hex)))
            local c = H.calls[#H.calls]
            local args = table.move(c.args, 1, c.args.n, 1, {})
            local want = env.A(table.unpack(v1, 3, v1.n))
            expect(reply == "RESULT []" and "mqtt." .. c.name == v1[1] and c.args.n == want.n and same(want, args), v.name,
                reply .. ", call " .. H.last_call())
        end
    end
end

local function check(vectors, harness)
    local cbor, frame = require "br_cbor", require "br_frame"
    local passed, failures = 0, {}
    local function expect(ok, name, detail)
        if ok then passed = passed + 1 else failures[#failures + 1] = name .. ": " .. detail end
    end

    for _, v in ipairs(vectors.frames) do
        local body = env.X(v.body_hex)
        local bytes, count = frame.encode(v.type, v.id, body, v.max_frame or 2048)
        expect(hex(bytes) == v.frame_hex and count == (v.frame_count or 1), v.name,
            "encoded " .. hex(bytes) .. " in " .. count .. " frames")
        local got = {}
        local r = frame.reader(v.max_frame or 2048, 65536, function(t, id, b) got[#got + 1] = { t, id, b } end)
        r.feed(env.X(v.frame_hex))
        local m = got[1]
        expect(#got == 1 and m[1] == v.type and m[2] == v.id and m[3] == body
            and r.garbage_bytes == 0 and r.crc_errors == 0 and r.header_rejects == 0, v.name,
            "reader delivered " .. #got .. " messages")
    end

    for _, v in ipairs(vectors.cbor) do
        local ok, value, n = pcall(cbor.decode, env.X(v.cbor_hex))
        expect(ok and same(v.value, value), v.name, "decoded " .. tostring(value))
        if ok and not v.decode_only then
            local again = n and cbor.encode_array(value, 1, n) or cbor.encode(value)
            expect(hex(again) == v.cbor_hex, v.name, "re-encoded " .. hex(again))
        end
    end

    for _, v in ipairs(vectors.reject) do
        local ok, err = pcall(cbor.decode, env.X(v.cbor_hex))
        expect(not ok and tostring(err):find(v.error_contains, 1, true) ~= nil, v.name,
            "expected an error containing '" .. v.error_contains .. "', got " .. tostring(err))
    end

    local int32 = math.maxinteger == 0x7FFFFFFF
    for _, v in ipairs(vectors.reject_int32) do
        local ok, value = pcall(cbor.decode, env.X(v.cbor_hex))
        if int32 then
            expect(not ok, v.name, "a 32-bit VM must reject it, got " .. tostring(value))
        else
            expect(ok and value == v.value, v.name, "decoded " .. tostring(value))
        end
    end
    check_compact(vectors, harness, expect)
    return passed, table.concat(failures, "\n")
end

local function load_vectors(text)
    return assert(load(text, "=vectors", "t", env))()
end

if arg and arg[0] and arg[0]:find("check_vectors.lua$") then
    package.path = arg[1] .. "/?.lua;" .. package.path
    dofile((arg[0]:gsub("check_vectors.lua$", "crc32_shim.lua")))
    local f = assert(io.open(arg[2], "rb"))
    local passed, failures = check(load_vectors(f:read("a")), (arg[0]:gsub("check_vectors.lua$", "agent_harness.lua")))
    f:close()
    if failures ~= "" then
        io.stderr:write(failures, "\n")
        os.exit(1)
    end
    print(passed .. " checks passed")
    return
end

return function(text, harness) return check(load_vectors(text), harness) end
