-- Fakes of the LuatOS runtime (uart, mqtt, sys, rtos, log, mcu) for the agent tests, plus a host
-- side of the link built from the agent's own codec (which the vector tests check separately).
-- Usage: H = dofile(".../agent_harness.lua"); optionally set H.config / mobile; H.start().
local H = {
    out = {}, rx = {}, timers = {}, subs = {}, calls = {}, clients = {}, logs = {},
    returns = {}, raise = {}, ticks = 5000, rebooted = false, fed = 0, next_id = 0, msgs = {},
}

local function pack(...) return table.pack(...) end

-- uart ----------------------------------------------------------------------------------------
local uart_cb = {}
uart = { VUART_0 = 32, None = 0, LSB = 0 }
function uart.setup(...) H.setup = pack(...) return 0 end
function uart.on(_, ev, f) uart_cb[ev] = f end
function uart.write(_, s) H.out[#H.out + 1] = s return #s end
function uart.read(_, len)
    local t = H.rx[1]
    if not t then return "" end
    if #t <= len then table.remove(H.rx, 1) return t end
    H.rx[1] = t:sub(len + 1)
    return t:sub(1, len)
end

--- One USB transfer arriving: buffered, then one "receive" event.
function H.transfer(bytes)
    H.fed = H.fed + #bytes
    H.rx[#H.rx + 1] = bytes
    uart_cb.receive(32, #bytes)
end

function H.sent()
    H.sent_raised = true
    uart_cb.sent(32)
end

-- sys / rtos / log / mcu -------------------------------------------------------------------------
sys = {}
function sys.timerStart(f, ms, ...) H.timers[#H.timers + 1] = { f = f, ms = ms, args = pack(...) } return #H.timers end
function sys.timerLoopStart(f, ms, ...) H.timers[#H.timers + 1] = { f = f, ms = ms, args = pack(...), loop = true } return #H.timers end
function sys.subscribe(name, f)
    H.subs[name] = H.subs[name] or {}
    table.insert(H.subs[name], f)
end
function sys.publish(name, ...)
    for _, f in ipairs(H.subs[name] or {}) do f(...) end
end

--- Fires every timer once (one-shot timers are then removed).
function H.run_timers()
    local due = H.timers
    H.timers = {}
    for _, t in ipairs(due) do
        t.f(table.unpack(t.args, 1, t.args.n))
        if t.loop then H.timers[#H.timers + 1] = t end
    end
end

rtos = {
    version = function() return "V1120" end,
    bsp = function() return "EC618" end,
    reboot = function() H.rebooted = true end,
}
local function logger(...)
    local parts = pack(...)
    for i = 1, parts.n do parts[i] = tostring(parts[i]) end
    H.logs[#H.logs + 1] = table.concat(parts, " ", 1, parts.n)
end
log = { info = logger, warn = logger, error = logger }
mcu = { ticks = function() return H.ticks end, hz = function() return 1000 end }

-- mqtt: every client method records its call; H.returns[name] / H.raise[name] script the outcome.
mqtt = { STATE_DISCONNECT = 0, STATE_SCONNECT = 1, STATE_MQTT = 2, STATE_READY = 3, VERIFY_NONE = 0, VERIFY_OPTION = 1, VERIFY_REQUIRED = 2, NOT_A_CONSTANT = "x" }

local function record(who, name, args)
    H.calls[#H.calls + 1] = { who = who, name = name, args = args }
    if H.raise[name] then error(H.raise[name], 0) end
    local r = H.returns[name]
    if r then return table.unpack(r, 1, r.n) end
end

local Client = {}
Client.__index = function(_, name)
    return function(self, ...)
        local args = pack(...)
        if name == "on" then self.cb = args[1] end
        return record("c" .. self.index, name, args)
    end
end

function mqtt.create(...)
    local args = pack(...)
    H.calls[#H.calls + 1] = { who = "mqtt", name = "create", args = args }
    if H.returns.create then return table.unpack(H.returns.create, 1, H.returns.create.n) end
    local c = setmetatable({ index = #H.clients + 1 }, Client)
    H.clients[c.index] = c
    return c
end

--- Runs client i's on() callback as the firmware would.
function H.fire(i, ev, ...)
    local c = H.clients[i]
    c.cb(c, ev, ...)
end

-- Host side ---------------------------------------------------------------------------------
local cbor, frame = require "br_cbor", require "br_frame"
local host_reader = frame.reader(1 << 20, 1 << 20, function(t, id, body)
    H.msgs[#H.msgs + 1] = { type = t, id = id, body = body }
end)

--- Sends REQUEST [method, args...] (exact count kept) as one transfer; returns its id.
function H.request(...)
    local a = pack(...)
    H.next_id = H.next_id + 1
    H.transfer(frame.encode(0x10, H.next_id, cbor.encode_array(a, 1, a.n), H.agent.config.max_frame))
    return H.next_id
end

--- Sends a REQUEST with the given body as one transfer (compact forms, malformed bodies); returns its id.
function H.request_body(body)
    H.next_id = H.next_id + 1
    H.transfer(frame.encode(0x10, H.next_id, body, H.agent.config.max_frame))
    return H.next_id
end

--- Sends HELLO_REQ offering the given protocol versions (none: a version-1 host's empty body); returns its id.
function H.hello_req(...)
    local offer = { ... }
    H.next_id = H.next_id + 1
    H.transfer(frame.encode(0x01, H.next_id, #offer > 0 and cbor.encode({ protos = offer }) or "", H.agent.config.max_frame))
    return H.next_id
end

--- Parses everything the agent wrote so far.
function H.drain()
    for i = 1, #H.out do host_reader.feed(H.out[i]) end
    H.out = {}
end

-- Deterministic rendering for assertions: strings quoted with \ddd for other than printable ASCII, tables with sorted keys, nil as nil.
local show
local function show_array(t, n)
    local parts = {}
    for i = 1, n do parts[i] = show(t[i]) end
    return "[" .. table.concat(parts, ",") .. "]"
end
show = function(v)
    if type(v) == "string" then
        return '"' .. v:gsub('[%c"\\\128-\255]', function(c) return "\\" .. c:byte() end) .. '"'
    end
    if type(v) ~= "table" then return tostring(v) end
    local keys, n = {}, 0
    for k in pairs(v) do keys[#keys + 1] = k n = n + 1 end
    local is_array = n > 0
    for i = 1, n do if v[i] == nil then is_array = false end end
    if is_array then return show_array(v, n) end
    local parts = {}
    for i, k in ipairs(keys) do parts[i] = (type(k) == "string" and k or "[" .. show(k) .. "]") .. "=" .. show(v[k]) end
    table.sort(parts)
    return "{" .. table.concat(parts, ",") .. "}"
end
H.show, H.show_array = show, show_array

local NAMES = { [0x02] = "HELLO", [0x04] = "PONG", [0x11] = "RESULT", [0x12] = "ERROR", [0x20] = "EVENT", [0x30] = "CREDIT" }

--- Removes and returns the messages of one frame type, rendered as "id body"; the raw tail of a compact
-- body (protocol §6.1) is rendered after a "+".
function H.take(type_name)
    H.drain()
    local got, keep = {}, {}
    for _, m in ipairs(H.msgs) do
        if NAMES[m.type] == type_name then
            local v, n, pos = cbor.decode_prefix(m.body)
            local tail = m.body:sub(pos)
            local text = (n and show_array(v, n) or show(v)) .. (tail ~= "" and "+" .. show(tail) or "")
            got[#got + 1] = { id = m.id, body = m.body, value = v, n = n, tail = tail, text = text }
        else
            keep[#keep + 1] = m
        end
    end
    H.msgs = keep
    return got
end

--- The RESULT or ERROR answering request id, as 'RESULT [...]' / 'ERROR [...]'.
-- Like a host that keeps reading: while the answer is not out yet, each "sent" lets the agent's next
-- write go (once the port has raised "sent", the agent keeps one write in flight).
function H.reply(id)
    for _ = 1, 100 do
        H.drain()
        for i, m in ipairs(H.msgs) do
            if m.id == id and (m.type == 0x11 or m.type == 0x12) then
                table.remove(H.msgs, i)
                local v, n = cbor.decode(m.body)
                return NAMES[m.type] .. " " .. show_array(v, n)
            end
        end
        if not H.sent_raised then break end
        H.sent()
        if #H.out == 0 then break end
    end
    return "no reply to " .. id
end

--- Events so far as "seq:body" lines, oldest first.
function H.events()
    local lines = {}
    for i, e in ipairs(H.take("EVENT")) do lines[i] = e.id .. ":" .. e.text end
    return table.concat(lines, "\n")
end

--- The last call seen by the fake mqtt, as 'who:name(args)' with the exact argument count.
function H.last_call()
    local c = H.calls[#H.calls]
    if not c then return "none" end
    local a = show_array(c.args, c.args.n)
    return c.who .. ":" .. c.name .. "(" .. a:sub(2, -2) .. ")"
end

--- Sum of all CREDIT values received.
function H.credited()
    local sum = 0
    for _, c in ipairs(H.take("CREDIT")) do sum = sum + c.value end
    return sum
end

function H.start()
    if H.config then package.preload.br_config = function() return H.config end end
    H.agent = require "br_agent"
    H.agent.start()
end

return H
