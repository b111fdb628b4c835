-- Frames of docs/protocol.md §1: encoding with fragmentation, and an incremental reader with
-- resynchronisation (§1.3) and reassembly (§1.2). CRC-32 comes from the firmware (crypto.crc32).
local M = {}

local spack, sunpack, ssub, sfind, concat = string.pack, string.unpack, string.sub, string.find, table.concat

M.MAGIC = "\167\128"
M.OVERHEAD = 13
local MORE, CONT, TYPE_MASK = 0x80, 0x40, 0x3F

-- crypto.crc32 may return a negative integer on a 32-bit VM; masking keeps 64-bit VMs in
-- range and is a no-op on 32-bit ones (the literal wraps to -1 there).
local function crc32(s)
    return crypto.crc32(s) & 0xFFFFFFFF
end

local function frame(t, id, body)
    local h = spack(">BI2I2", t, id, #body)
    local inner = h .. spack(">I2", crc32(h) & 0xFFFF) .. body
    return M.MAGIC .. inner .. spack(">I4", crc32(inner))
end

--- Encodes one message as one frame, or as back-to-back fragments when the body does not fit
-- max_frame. Returns the bytes to write and the number of frames.
function M.encode(ftype, id, body, max_frame)
    local room = max_frame - M.OVERHEAD
    local n = #body
    if n <= room then return frame(ftype, id, body), 1 end
    local parts, pos = {}, 1
    while pos <= n do
        local t = ftype
        if pos > 1 then t = t | CONT end
        if pos + room <= n then t = t | MORE end
        parts[#parts + 1] = frame(t, id, ssub(body, pos, pos + room - 1))
        pos = pos + room
    end
    return concat(parts), #parts
end

--- Creates a reader. on_message(type, id, body) is called for every complete message
-- (type without MORE/CONT bits); body is nil when the reassembled message exceeded max_message.
function M.reader(max_frame, max_message, on_message)
    local r = {
        frames_in = 0,
        garbage_bytes = 0,    -- bytes skipped, including the first magic byte of rejected frames
        header_rejects = 0,   -- bad hcrc or len > max_frame - 13
        crc_errors = 0,
        fragments_dropped = 0, -- partial messages and orphan CONT fragments discarded
        partial_timeouts = 0   -- partial frames dropped by expire()
    }
    local buf, pos = "", 1
    local part, part_type, part_id, part_size -- reassembly in progress

    local function drop_partial()
        if part then
            r.fragments_dropped = r.fragments_dropped + 1
            part = nil
        end
    end

    local function on_frame(t, id, body)
        local base = t & TYPE_MASK
        local more = t & MORE ~= 0
        if t & CONT ~= 0 then
            if not (part and part_type == base and part_id == id) then
                -- Tail of a message whose head was lost (or a different message): never a message.
                drop_partial()
                r.fragments_dropped = r.fragments_dropped + 1
                return
            end
            part_size = part_size + #body
            if part_size > max_message then
                part[1] = false -- over the limit: free what was collected, keep reading to the end
                for i = #part, 2, -1 do part[i] = nil end
            elseif part[1] ~= false then
                part[#part + 1] = body
            end
        else
            drop_partial()
            if not more then return on_message(base, id, body) end
            part, part_type, part_id, part_size = { body }, base, id, #body
        end
        if not more then
            local p = part
            part = nil
            if p[1] == false then return on_message(base, id, nil) end
            return on_message(base, id, concat(p))
        end
    end

    -- Skipped bytes mean a frame was lost or damaged: a message being reassembled cannot be
    -- completed correctly any more.
    local function skip(count)
        if count > 0 then
            r.garbage_bytes = r.garbage_bytes + count
            drop_partial()
        end
    end

    --- Feeds received bytes; delivers every complete message.
    function r.feed(data)
        buf = ssub(buf, pos) .. data
        pos = 1
        local n = #buf
        while true do
            local i = sfind(buf, M.MAGIC, pos, true)
            if not i then
                -- Keep a trailing first magic byte: its partner may come with the next read.
                local keep = (n >= pos and buf:byte(n) == 0xA7) and 1 or 0
                skip(n - pos + 1 - keep)
                pos = n + 1 - keep
                break
            end
            skip(i - pos)
            pos = i
            if n - pos + 1 < 9 then break end
            local t, id, len, hc = sunpack(">BI2I2I2", buf, pos + 2)
            if len > max_frame - M.OVERHEAD or crc32(ssub(buf, pos + 2, pos + 6)) & 0xFFFF ~= hc then
                r.header_rejects = r.header_rejects + 1
                skip(1)
                pos = pos + 1
            else
                if n - pos + 1 < M.OVERHEAD + len then break end
                local stored = sunpack(">I4", buf, pos + 9 + len) & 0xFFFFFFFF
                if crc32(ssub(buf, pos + 2, pos + 8 + len)) ~= stored then
                    r.crc_errors = r.crc_errors + 1
                    skip(1)
                    pos = pos + 1
                else
                    local body = ssub(buf, pos + 9, pos + 8 + len)
                    pos = pos + M.OVERHEAD + len
                    r.frames_in = r.frames_in + 1
                    on_frame(t, id, body)
                end
            end
        end
        -- Drop processed bytes now so the heap does not hold them until the next read.
        buf = ssub(buf, pos)
        pos = 1
    end

    --- The partial-frame timeout (§1.3): nothing arrived for a while, so the bytes held are not the
    -- start of a frame still coming. Drops them one byte at a time, delivering any valid frame that a
    -- torn header hid, until nothing is held.
    function r.expire()
        if #buf - pos + 1 <= 0 then return end
        r.partial_timeouts = r.partial_timeouts + 1
        while #buf - pos + 1 > 0 do
            skip(1)
            buf = ssub(buf, pos + 1)
            pos = 1
            r.feed("")
        end
    end

    --- Bytes held waiting for the rest of a frame.
    function r.pending()
        return #buf - pos + 1
    end

    return r
end

return M
