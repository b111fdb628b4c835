-- Air780Bridge agent: serves docs/protocol.md over a UART so a PC can drive this module's `mqtt`
-- library. Runs unchanged on real Air780E/EP firmware (Lua 5.3, 32-bit numbers) and on the twin.
-- Everything called from a C-dispatched callback runs under pcall: an error escaping a callback
-- reboots a real module.
local cbor = require "br_cbor"
local frame = require "br_frame"

local M = {}
M.VERSION = "1.1.0"
-- Highest protocol version this agent implements (docs/protocol.md §4.1).
local PROTO_MAX = 2

local T = {
    HELLO_REQ = 0x01, HELLO = 0x02, PING = 0x03, PONG = 0x04,
    REQUEST = 0x10, RESULT = 0x11, ERROR = 0x12, EVENT = 0x20, CREDIT = 0x30
}
M.TYPES = T

local unpack, pack = table.unpack, table.pack

local cfg = {
    uart_id = uart.VUART_0 or 32,
    baud = 115200,      -- ignored by the VUART; used by a physical UART
    data_bits = 8,
    stop_bits = 1,
    rx_buffer = 8192,   -- uart.setup bufsz (VUART clamps to 2048..8192 on EC618)
    read_chunk = 1024,  -- bytes per uart.read call
    max_frame = 2048,
    max_message = 65536,
    rx_window = 4096,
    event_queue = 32768,
    queue_limit = false, -- outbound bytes above which no request is read (backpressure through credit);
                         -- false: event_queue + 8192, so replies still get in while events are dropped
    tx_window = 4096,   -- bytes handed to uart.write at once; the next write waits for "sent"/tick
    tx_tick_ms = 20,    -- pacing period while data waits on ports that raise no "sent"
    tx_stall_ms = 2000, -- a port that raises "sent" but stayed silent this long while a write waits is
                        -- assumed to have lost the event
    frame_timeout_ms = 500, -- a partial frame with no new byte for this long is dropped (§1.3)
    max_proto = PROTO_MAX, -- highest protocol version offered in HELLO; 1 answers as a version-1 agent (§4.1)
}

local function log_info(...) if log then log.info("br_agent", ...) end end
local function log_warn(...) if log then log.warn("br_agent", ...) end end

local has_config, user_cfg = pcall(require, "br_config")
if has_config and type(user_cfg) == "table" then
    for k, v in pairs(user_cfg) do
        if cfg[k] == nil then log_warn("br_config: unknown option", k) else cfg[k] = v end
    end
end
if not cfg.queue_limit then cfg.queue_limit = cfg.event_queue + 8192 end
if math.type(cfg.max_proto) ~= "integer" or cfg.max_proto < 1 or cfg.max_proto > PROTO_MAX then
    log_warn("br_config: max_proto must be an integer 1 ..", PROTO_MAX, "; using", PROTO_MAX)
    cfg.max_proto = PROTO_MAX
end
M.config = cfg

-- State -------------------------------------------------------------------------------------
local stats = { frames_out = 0, events_dropped = 0, unknown_frames = 0, rx_pauses = 0, tx_stalls = 0,
    heap_peak_kb = 0, queue_peak = 0 }
local reader
local uncredited = 0
local boot_id, start_ms
local event_seq = 0
local proto = 1 -- version in use: 1 from boot until a HELLO_REQ offers more (§4.1)
local dropped = 0 -- dropped since the last report
local clients, handle_of, next_handle, client_count = {}, {}, 1, 0

-- Outbound queue: whole messages (already framed) in FIFO order; head may be partly written.
local q, qh, qt, q_bytes, head_off = {}, 1, 0, 0, 0
-- Once the port has raised "sent", one uart.write (of at most tx_window bytes) is in flight at a time:
-- "sent" then means exactly that write, whether the port raises it per write or once for everything
-- written, so the driver never holds more than tx_window from us and a host that does not read fills
-- the queue (events are dropped and reported, requests wait). Until then (ports that raise no "sent")
-- the tick allows tx_window bytes per tx_tick_ms.
local sent_seen = false
local tx_busy = false
local tx_budget = cfg.tx_window
local tx_since_ms = 0 -- when the write in flight was made
local tick_armed = false
local tick -- paces writes where the port raises no "sent"; armed only while data waits
local rx_held = false -- reading stopped at queue_limit: bytes may wait in the UART buffer
local drain -- reads requests while the outbound queue has room (defined with the UART callbacks)

local function now_ms()
    if mcu and mcu.ticks then
        local hz = mcu.hz and mcu.hz() or 1000
        local ticks = mcu.ticks()
        if hz == 1000 then return ticks end
        if hz > 1000 then return ticks // (hz // 1000) end
        return ticks * (1000 // hz)
    end
    return os.time() * 1000
end

-- Writing -----------------------------------------------------------------------------------
local function note_heap()
    local kb = collectgarbage("count")
    if kb > stats.heap_peak_kb then stats.heap_peak_kb = kb end
    if q_bytes > stats.queue_peak then stats.queue_peak = q_bytes end
end

local function flush()
    local room
    if sent_seen then room = tx_busy and 0 or cfg.tx_window else room = tx_budget end
    if room > 0 and qh <= qt then
        note_heap()
        local parts, start = {}, room
        while qh <= qt and room > 0 do
            local msg = q[qh]
            local rest = #msg - head_off
            local n = rest <= room and rest or room
            -- A frame goes out in one write where it fits: a write waits for "sent", and a reader expires a frame
            -- that pauses half-way (frame_timeout, protocol §1.3). Only a frame larger than the window is split.
            if n < rest and #parts > 0 then break end
            if head_off == 0 and n == #msg then
                parts[#parts + 1] = msg
            else
                parts[#parts + 1] = msg:sub(head_off + 1, head_off + n)
            end
            room = room - n
            q_bytes = q_bytes - n
            if n == rest then
                q[qh] = nil
                qh = qh + 1
                head_off = 0
            else
                head_off = head_off + n
            end
        end
        if sent_seen then
            tx_busy = true
            tx_since_ms = now_ms()
        else
            tx_budget = tx_budget - (start - room)
        end
        uart.write(cfg.uart_id, #parts == 1 and parts[1] or table.concat(parts))
    end
    if qh > qt then
        qh, qt = 1, 0
    end
    if not tick_armed and (tx_busy or (not sent_seen and qh <= qt)) then
        -- A one-shot timer only while data waits keeps an idle agent free of wake-ups.
        tick_armed = true
        sys.timerStart(tick, sent_seen and cfg.tx_stall_ms or cfg.tx_tick_ms)
    end
end

local function push(ftype, id, body)
    local bytes, frames = frame.encode(ftype, id, body, cfg.max_frame)
    qt = qt + 1
    q[qt] = bytes
    q_bytes = q_bytes + #bytes
    stats.frames_out = stats.frames_out + frames
end

local function next_seq()
    event_seq = event_seq < 65535 and event_seq + 1 or 1
    return event_seq
end

-- Queues the ["agent","dropped",n] report once there is room again.
local function report_dropped()
    if dropped > 0 and q_bytes < cfg.event_queue then
        push(T.EVENT, next_seq(), cbor.encode_array({ "agent", "dropped", dropped }, 1, 3))
        dropped = 0
    end
end

-- Compact events of version 2 (§6.1) ----------------------------------------------------------
local RECV_KEYS = { qos = true, retain = true, dup = true, message_id = true }

local function small(v, max)
    return math.type(v) == "integer" and v >= 0 and v <= max
end

-- [1, h, topic, flags, message_id] .. payload, or nil when the metas hold anything the host could not
-- rebuild exactly from flags (legacy firmware's dup = 8, another key, a non-integer).
local function compact_recv(h, topic, payload, metas)
    if type(topic) ~= "string" or type(payload) ~= "string" or type(metas) ~= "table" then return nil end
    local qos, retain, dup, mid = metas.qos, metas.retain, metas.dup, metas.message_id
    if not (small(qos, 3) and small(retain, 1) and small(dup, 1)) then return nil end
    if mid ~= nil and math.type(mid) ~= "integer" then return nil end
    for k in pairs(metas) do
        if not RECV_KEYS[k] then return nil end
    end
    local flags = dup << 3 | qos << 1 | retain -- the MQTT PUBLISH header's flag bits
    local head = mid == nil and cbor.encode_array({ 1, h, topic, flags }, 1, 4)
        or cbor.encode_array({ 1, h, topic, flags, mid }, 1, 5)
    return head .. payload
end

-- The EVENT body for t[1..n]: on version 2 the compact form where one reproduces the event exactly, else
-- the array of version 1 (always understood).
local function event_body(t, n)
    if proto >= 2 and t[1] == "mqtt" then
        if t[3] == "recv" and n == 6 then
            local body = compact_recv(t[2], t[4], t[5], t[6])
            if body then return body end
        elseif t[3] == "sent" and n == 4 and math.type(t[4]) == "integer" then
            return cbor.encode_array({ 2, t[2], t[4] }, 1, 3)
        end
    end
    return cbor.encode_array(t, 1, n)
end

--- Queues an EVENT with body t[1..n], or drops and counts it when the queue is full.
local function emit(t, n)
    report_dropped()
    if q_bytes >= cfg.event_queue then
        dropped = dropped + 1
        stats.events_dropped = stats.events_dropped + 1
        return
    end
    local body = event_body(t, n) -- before next_seq: a value that cannot be sent leaves no gap
    push(T.EVENT, next_seq(), body)
end

-- Writes what the window allows, reports dropped events if that made room, and reads requests again
-- once the queue is back under queue_limit.
local function pump()
    flush()
    if dropped > 0 then
        report_dropped()
        flush()
    end
    if rx_held and q_bytes < cfg.queue_limit then
        drain()
        flush()
    end
end

local function send_error(id, kind, message)
    push(T.ERROR, id, cbor.encode_array({ kind, message }, 1, 2))
end

-- HELLO -------------------------------------------------------------------------------------
local KNOWN_CONSTANTS = { "STATE_DISCONNECT", "STATE_SCONNECT", "STATE_MQTT", "STATE_READY",
    "VERIFY_NONE", "VERIFY_OPTION", "VERIFY_REQUIRED" }

local function mqtt_constants()
    local m = {}
    local function add(k, v)
        if type(k) == "string" and (k:find("^STATE_") or k:find("^VERIFY_")) and math.type(v) == "integer" then
            m[k] = v
        end
    end
    -- Firmware libraries are ROM tables (rotable) that pairs() may not walk: index the known names,
    -- then let pairs() add any newer ones where it works.
    for _, k in ipairs(KNOWN_CONSTANTS) do add(k, mqtt[k]) end
    pcall(function() for k, v in pairs(mqtt) do add(k, v) end end)
    return m
end

local function first(f, ...)
    if f then return (f(...)) end
end

-- The version for a HELLO_REQ body (§4.1): the highest the host offers that this agent speaks. An empty
-- body is a version-1 host's request.
local function negotiate(body)
    if body == nil or body == "" then return 1 end
    local ok, offer = pcall(cbor.decode, body)
    if not ok or type(offer) ~= "table" or type(offer.protos) ~= "table" then
        log_warn("HELLO_REQ body is not a map {protos = [versions]}; answering with version 1", ok and "" or offer)
        return 1
    end
    local best = 1
    for _, v in pairs(offer.protos) do
        if math.type(v) == "integer" and v > best and v <= cfg.max_proto then best = v end
    end
    return best
end

local function hello_body()
    local protos
    if cfg.max_proto > 1 then -- a version-1 agent's HELLO has no protos
        protos = {}
        for v = 1, cfg.max_proto do protos[v] = v end
    end
    local h = {
        proto = proto,
        protos = protos,
        agent = M.VERSION,
        version = rtos and first(rtos.version),
        bsp = rtos and first(rtos.bsp),
        lua = _VERSION,
        int_bits = math.maxinteger == 0x7FFFFFFF and 32 or 64,
        boot_id = boot_id,
        uptime_ms = now_ms() - start_ms,
        max_frame = cfg.max_frame,
        max_message = cfg.max_message,
        rx_window = cfg.rx_window,
        event_queue = cfg.event_queue,
        uart = cfg.uart_id,
        mqtt = mqtt_constants(),
    }
    if mobile then
        h.imei = first(mobile.imei)
        h.iccid = first(mobile.iccid)
        h.csq = first(mobile.csq)
    end
    return cbor.encode(h)
end

-- MQTT forwarding ---------------------------------------------------------------------------
local function forward_mqtt(h, ev, a, b, c)
    local t = { "mqtt", h, ev, a, b, c }
    local n = 6
    while n > 3 and t[n] == nil do n = n - 1 end
    emit(t, n)
    pump()
end

local function forwarder(h)
    return function(_, ev, a, b, c)
        local ok, err = pcall(forward_mqtt, h, ev, a, b, c)
        if not ok then log_warn("mqtt event", err) end
    end
end

local function forward_sys(name, client, ...)
    local t = pack("sys", name, handle_of[client], ...)
    emit(t, t.n)
    pump()
end

-- Methods -----------------------------------------------------------------------------------
-- An error raised as {kind=..., msg=...} becomes that ERROR kind; any other error is "lua".
local function fail(kind, msg) error({ kind = kind, msg = msg }, 0) end

local function client_of(a)
    local c = clients[a[2]]
    if not c then fail("no_client", "no mqtt client with handle " .. tostring(a[2])) end
    return c
end

local methods = {}

methods["mqtt.create"] = function(a, n)
    local r = pack(mqtt.create(unpack(a, 2, n)))
    if r.n == 0 or r[1] == nil then return unpack(r, 1, r.n) end
    local h = next_handle
    next_handle = next_handle + 1
    clients[h], handle_of[r[1]] = r[1], h
    client_count = client_count + 1
    return h
end

for _, name in ipairs({ "auth", "keepalive", "will", "autoreconn", "connect", "disconnect",
    "subscribe", "unsubscribe", "publish", "ready", "state", "debug" }) do
    methods["mqtt." .. name] = function(a, n)
        local c = client_of(a)
        return c[name](c, unpack(a, 3, n))
    end
end

methods["mqtt.on"] = function(a)
    local c = client_of(a)
    if a[3] then return c:on(forwarder(a[2])) end
    return c:on(nil)
end

methods["mqtt.close"] = function(a)
    local c = client_of(a)
    local r = pack(c:close())
    clients[a[2]], handle_of[c] = nil, nil
    client_count = client_count - 1
    return unpack(r, 1, r.n)
end

methods["agent.stats"] = function()
    return {
        frames_in = reader.frames_in,
        frames_out = stats.frames_out,
        crc_errors = reader.crc_errors,
        resyncs = reader.header_rejects + reader.fragments_dropped,
        header_rejects = reader.header_rejects,
        fragments_dropped = reader.fragments_dropped,
        garbage_bytes = reader.garbage_bytes,
        events_dropped = stats.events_dropped,
        unknown_frames = stats.unknown_frames,
        heap_kb = math.floor(collectgarbage("count")),
        heap_peak_kb = math.floor(stats.heap_peak_kb),
        queue_peak = stats.queue_peak,
        rx_pauses = stats.rx_pauses,
        tx_stalls = stats.tx_stalls,
        partial_timeouts = reader.partial_timeouts,
        clients = client_count,
    }
end

--- The agent.stats map, for scripts running beside the agent (and its tests).
M.stats = methods["agent.stats"]

methods["agent.reboot"] = function(a)
    sys.timerStart(rtos.reboot, a[2] or 100)
    return true
end

-- Compact requests of version 2 (§5.4), by code: each turns a (the decoded array) and the raw tail into the
-- version-1 argument list in place and returns its count.
local COMPACT_REQUESTS = {
    -- [1, h, topic, qos, retain] .. payload -> ["mqtt.publish", h, topic, payload, qos, retain]
    [1] = function(a, n, tail)
        for i = n, 4, -1 do a[i + 1] = a[i] end
        a[1], a[4] = "mqtt.publish", tail
        return n < 3 and 4 or n + 1
    end,
}

local function handle_request(id, body)
    if body == nil then
        return send_error(id, "too_large", "request larger than max_message " .. cfg.max_message .. " bytes")
    end
    local ok, a, n, pos = pcall(cbor.decode_prefix, body)
    if not ok then return send_error(id, "bad_request", a) end
    if type(a) ~= "table" or not n or n < 1 or not (type(a[1]) == "string" or math.type(a[1]) == "integer") then
        return send_error(id, "bad_request", "body must be a CBOR array starting with the method name or code")
    end
    if math.type(a[1]) == "integer" then
        local compact = COMPACT_REQUESTS[a[1]]
        if not compact then return send_error(id, "unknown_method", "no method with code " .. a[1]) end
        n = compact(a, n, body:sub(pos))
    elseif pos <= #body then
        return send_error(id, "bad_request", "cbor: trailing bytes at byte " .. pos)
    end
    local m = methods[a[1]]
    if not m then return send_error(id, "unknown_method", "no method '" .. a[1] .. "'") end
    local r = pack(pcall(m, a, n))
    if not r[1] then
        local e = r[2]
        if type(e) == "table" and e.kind then return send_error(id, e.kind, e.msg) end
        return send_error(id, "lua", tostring(e))
    end
    local enc_ok, result = pcall(cbor.encode_array, r, 2, r.n - 1)
    if not enc_ok then return send_error(id, "lua", "result not representable: " .. tostring(result)) end
    push(T.RESULT, id, result)
end

local function on_message(ftype, id, body)
    if ftype == T.REQUEST then
        handle_request(id, body)
    elseif ftype == T.PING then
        push(T.PONG, id, body or "")
    elseif ftype == T.HELLO_REQ then
        proto = negotiate(body)
        push(T.HELLO, id, hello_body())
    else
        stats.unknown_frames = stats.unknown_frames + 1
        log_warn("ignored frame type", ftype)
    end
end

local function credit()
    if uncredited > 0 then
        push(T.CREDIT, 0, cbor.encode(uncredited))
        uncredited = 0
    end
end

-- UART callbacks ----------------------------------------------------------------------------
local rx_count = 0 -- bytes read so far: the partial-frame timer sees whether any arrived meanwhile
local partial_armed, partial_mark = false, 0
local partial_check -- the partial-frame timer (§1.3)

local function arm_partial()
    if not partial_armed and reader.pending() > 0 then
        partial_armed, partial_mark = true, rx_count
        sys.timerStart(partial_check, cfg.frame_timeout_ms)
    end
end

local draining = false
drain = function()
    if draining then return end -- a request handler's pump must not read the next request inside it
    draining = true
    rx_held = false
    local half = cfg.rx_window // 2
    while true do
        -- Backpressure: with the queue over its limit, leave requests in the UART buffer. Nothing read
        -- is nothing credited, so the host stops at rx_window and the heap stays bounded (§3).
        if q_bytes >= cfg.queue_limit then
            rx_held = true
            stats.rx_pauses = stats.rx_pauses + 1
            break
        end
        -- Never read past half the window uncredited: CREDIT goes out at the latest there (§3).
        local want = half - uncredited
        if want > cfg.read_chunk then want = cfg.read_chunk end
        local data = uart.read(cfg.uart_id, want)
        if not data or #data == 0 then break end
        uncredited = uncredited + #data
        rx_count = rx_count + #data
        reader.feed(data)
        note_heap()
        if uncredited >= half then credit() end
        flush()
    end
    draining = false
    credit()
    arm_partial()
end

local function on_receive()
    -- One "receive" event per USB transfer, not per buffered byte: drain everything.
    drain()
    pump()
end

local function on_sent()
    sent_seen = true
    tx_busy = false
    pump()
end

local function guarded(f, what)
    return function(...)
        local ok, err = pcall(f, ...)
        if not ok then log_warn(what, err) end
    end
end

local function make_boot_id()
    if crypto and crypto.trng then
        local r = crypto.trng(4)
        if r and #r == 4 then return (r:gsub(".", function(ch) return string.format("%02x", ch:byte()) end)) end
    end
    math.randomseed(os.time() + now_ms())
    return string.format("%04x%04x", math.random(0, 0xFFFF), math.random(0, 0xFFFF))
end

--- Opens the UART, installs the callbacks and sends the boot HELLO.
function M.start()
    start_ms = now_ms()
    boot_id = make_boot_id()
    reader = frame.reader(cfg.max_frame, cfg.max_message, function(ftype, id, body)
        local ok, err = pcall(on_message, ftype, id, body)
        if not ok then log_warn("message", err) end
    end)
    -- uart.setup returns 0 on success; anything else (an id this build lacks) means nothing will ever
    -- arrive, so say so in the log instead of reporting a healthy start.
    local setup_rc = uart.setup(cfg.uart_id, cfg.baud, cfg.data_bits, cfg.stop_bits, uart.None, uart.LSB, cfg.rx_buffer)
    if setup_rc ~= nil and setup_rc ~= 0 then log_warn("uart.setup failed", "uart", cfg.uart_id, "result", setup_rc) end
    uart.on(cfg.uart_id, "receive", guarded(on_receive, "receive"))
    uart.on(cfg.uart_id, "sent", guarded(on_sent, "sent"))
    tick = guarded(function()
        tick_armed = false
        if not sent_seen then
            tx_budget = cfg.tx_window
        elseif tx_busy and now_ms() - tx_since_ms >= cfg.tx_stall_ms then
            -- "sent" is a bus message: if one was lost, waiting longer would stall the agent for good.
            stats.tx_stalls = stats.tx_stalls + 1
            log_warn("no uart sent event for", cfg.tx_stall_ms, "ms; writing on")
            tx_busy = false
        end
        pump()
    end, "tick")
    partial_check = guarded(function()
        partial_armed = false
        -- While reading is held the rest of the frame may wait unread in the UART buffer.
        if rx_count == partial_mark and not rx_held then
            reader.expire()
            pump()
        end
        arm_partial()
    end, "frame timeout")
    for _, name in ipairs({ "MQTT_PONG", "MQTT_CONNACK", "MQTT_DISCONNECT" }) do
        sys.subscribe(name, guarded(function(...) forward_sys(name, ...) end, name))
    end
    push(T.HELLO, 0, hello_body())
    flush()
    log_info("air780bridge agent started", "uart", cfg.uart_id, "boot_id", boot_id)
end

return M
