-- CBOR subset of docs/protocol.md §2 (hand-written: LuatOS ships no CBOR library).
-- Safe on 32-bit VMs (lua_Integer and lua_Number both 32 bits): values that do not fit are
-- rejected, never wrapped. Errors are plain strings raised with level 0; the agent answers
-- them with ERROR "bad_request".
local M = {}

local spack, sunpack, schar, sbyte = string.pack, string.unpack, string.char, string.byte
local mtype, concat = math.type, table.concat
local INT32 = math.maxinteger == 0x7FFFFFFF
local MAX_DEPTH = 16 -- keeps decoding well inside the C stack limit of Lua 5.4 (the twin)

-- Initial byte plus argument, shortest form. n >= 0.
local function head(out, major, n)
    local ib = major << 5
    if n < 24 then
        out[#out + 1] = schar(ib | n)
    elseif n < 0x100 then
        out[#out + 1] = schar(ib | 24, n)
    elseif n < 0x10000 then
        out[#out + 1] = spack(">BI2", ib | 25, n)
    elseif n >> 32 == 0 then -- always true on a 32-bit VM (shift >= width gives 0)
        out[#out + 1] = spack(">BI4", ib | 26, n)
    else
        out[#out + 1] = spack(">Bi8", ib | 27, n)
    end
end

local enc

-- Exact array of t[first..first+n-1]; nil elements become null (keeps Lua's "returned nil"
-- apart from "returned nothing").
local function enc_array(out, t, first, n, depth)
    head(out, 4, n)
    for i = first, first + n - 1 do enc(out, t[i], depth) end
end

enc = function(out, v, depth)
    local tv = type(v)
    if tv == "string" then
        head(out, 2, #v)
        out[#out + 1] = v
    elseif tv == "number" then
        if mtype(v) == "integer" then
            if v >= 0 then head(out, 0, v) else head(out, 1, -1 - v) end
        else
            out[#out + 1] = "\251" .. spack(">d", v)
        end
    elseif tv == "boolean" then
        out[#out + 1] = v and "\245" or "\244"
    elseif tv == "nil" then
        out[#out + 1] = "\246"
    elseif tv == "table" then
        if depth >= MAX_DEPTH then error("cbor: table nested deeper than " .. MAX_DEPTH, 0) end
        local count = 0
        for _ in pairs(v) do count = count + 1 end
        local is_array = count > 0
        for i = 1, count do
            if v[i] == nil then is_array = false break end
        end
        if is_array then
            enc_array(out, v, 1, count, depth + 1)
        else
            head(out, 5, count)
            for k, x in pairs(v) do
                enc(out, k, depth + 1)
                enc(out, x, depth + 1)
            end
        end
    else
        error("cbor: cannot encode a " .. tv, 0)
    end
end

--- Encodes one Lua value.
function M.encode(v)
    local out = {}
    enc(out, v, 0)
    return concat(out)
end

--- Encodes t[first..first+n-1] as an array of exactly n elements (nil -> null).
function M.encode_array(t, first, n)
    local out = {}
    enc_array(out, t, first, n, 0)
    return concat(out)
end

local function fail(msg, pos)
    error("cbor: " .. msg .. " at byte " .. pos, 0)
end

-- Argument of an initial byte; returns a non-negative integer and the next position.
local function arg(s, pos, ai)
    if ai < 24 then return ai, pos end
    if ai == 24 then
        if pos > #s then fail("truncated", pos) end
        return sbyte(s, pos), pos + 1
    elseif ai == 25 then
        if pos + 1 > #s then fail("truncated", pos) end
        return sunpack(">I2", s, pos)
    elseif ai == 26 then
        if pos + 3 > #s then fail("truncated", pos) end
        local n, np = sunpack(">I4", s, pos)
        -- On a 32-bit VM ">I4" wraps values >= 2^31 to negative numbers.
        if n < 0 then fail("integer does not fit this VM", pos) end
        return n, np
    elseif ai == 27 then
        if pos + 7 > #s then fail("truncated", pos) end
        local hi, lo, np = sunpack(">I4I4", s, pos)
        if INT32 then
            if hi ~= 0 or lo < 0 then fail("integer does not fit this VM", pos) end
            return lo, np
        end
        if hi >= 0x80000000 then fail("integer does not fit this VM", pos) end
        return (hi << 32) | lo, np
    elseif ai == 31 then
        fail("indefinite length not supported", pos - 1)
    end
    fail("reserved additional info " .. ai, pos - 1)
end

-- Returns value, next position and, for arrays, the element count (nil elements included).
local function dec(s, pos, depth)
    if pos > #s then fail("truncated", pos) end
    local ib = sbyte(s, pos)
    local major, ai = ib >> 5, ib & 31
    pos = pos + 1
    if major == 7 then
        if ai == 20 then return false, pos end
        if ai == 21 then return true, pos end
        if ai == 22 then return nil, pos end
        if ai == 26 then
            if pos + 3 > #s then fail("truncated", pos) end
            return sunpack(">f", s, pos)
        end
        if ai == 27 then
            if pos + 7 > #s then fail("truncated", pos) end
            return sunpack(">d", s, pos)
        end
        fail(string.format("unsupported simple/float 0x%02X", ib), pos - 1)
    end
    if major == 6 then fail("tags not supported", pos - 1) end
    local n
    n, pos = arg(s, pos, ai)
    if major == 0 then return n, pos end
    if major == 1 then return -1 - n, pos end
    if major == 2 or major == 3 then
        if n > #s - pos + 1 then fail("string longer than the data", pos) end
        return s:sub(pos, pos + n - 1), pos + n
    end
    if depth >= MAX_DEPTH then fail("nested deeper than " .. MAX_DEPTH, pos - 1) end
    -- Every element takes at least one byte: reject absurd counts before allocating.
    if n > #s - pos + 1 then fail("count larger than the data", pos) end
    local t = {}
    if major == 4 then
        for i = 1, n do
            t[i], pos = dec(s, pos, depth + 1)
        end
        return t, pos, n
    end
    for _ = 1, n do -- major 5
        local k, v
        k, pos = dec(s, pos, depth + 1)
        local tk = type(k)
        if not (tk == "string" or mtype(k) == "integer") then
            fail("map key must be a string or an integer", pos)
        end
        v, pos = dec(s, pos, depth + 1)
        t[k] = v
    end
    return t, pos
end

--- Decodes the item at the start of s. Returns the value, its element count when it is an array (else nil)
-- and the position after it: the bytes from there on are the raw tail of a compact body (protocol §5.4, §6.1).
function M.decode_prefix(s)
    local v, pos, n = dec(s, 1, 0)
    return v, n, pos
end

--- Decodes one complete item; trailing bytes are an error.
-- Returns the value and, when it is an array, its element count.
function M.decode(s)
    local v, n, pos = M.decode_prefix(s)
    if pos ~= #s + 1 then fail("trailing bytes", pos) end
    return v, n
end

return M
