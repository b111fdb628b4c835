-- Twin bootstrap: builds the LuatOS libraries from the C# natives in __twin, then the sys library.
-- Natives return (true, results...) or (false, message); the wrapper raises the message at the caller's
-- level, as luaL_error does, so no Lua error ever crosses the C#/Lua boundary.
local native = __twin
__twin = nil

local pack, unpack = table.pack, table.unpack

local function wrap(f)
    return function(...)
        local r = pack(f(...))
        if not r[1] then error(r[2], 2) end
        return unpack(r, 2, r.n)
    end
end

local libs = {}
for qualified, f in pairs(native.functions) do
    local lib, name = qualified:match("^(%w+)%.([%w_]+)$")
    libs[lib] = libs[lib] or {}
    libs[lib][name] = wrap(f)
end
for qualified, v in pairs(native.constants) do
    local lib, name = qualified:match("^(%w+)%.([%w_]+)$")
    libs[lib] = libs[lib] or {}
    libs[lib][name] = v
end
local rt = {}
for name, f in pairs(native.rt) do rt[name] = wrap(f) end

-- mqtt.create returns a client object whose methods are the mqttclient natives (the C side's MQTTCTRL*).
local client_mt = { __index = libs.mqttclient, __name = "MQTTCTRL*" }
local raw_create = libs.mqtt.create
libs.mqtt.create = function(...)
    local id = raw_create(...)
    if id == nil then return end
    local c = setmetatable({ __id = id }, client_mt)
    rt.bind_client(id, c)
    return c
end
libs.mqttclient = nil

for lib, t in pairs(libs) do
    -- A function the twin lacks is a loud error; an absent constant is nil, as on firmware that lacks it.
    _G[lib] = setmetatable(t, { __index = function(_, k)
        if type(k) == "string" and k:match("^[%u_%d]+$") then return nil end
        error("twin: " .. lib .. "." .. tostring(k) .. " is not emulated", 2)
    end })
end
for name, f in pairs(native.string) do string[name] = wrap(f) end

-- sys ----------------------------------------------------------------------------------------------
local sys = {}
local messages, subscribers, timer_fns = {}, {}, {}

local function task_error(err)
    log.error("sys", "task error", tostring(err))
    -- COROUTINE_ERROR_ROLL_BACK (default): the error resurfaces in the main context 500 ms later.
    rt.timer(500, false, function() error("coroutine error: " .. tostring(err)) end)
end

local function resume(co, ...)
    local ok, err = coroutine.resume(co, ...)
    if not ok then task_error(err) end
end

function sys.taskInit(fn, ...)
    local co = coroutine.create(fn)
    resume(co, ...)
    return co
end

function sys.wait(ms)
    if ms == nil or ms < 1 then return end
    local co = coroutine.running()
    local id = rt.timer(math.tointeger(ms) or math.floor(ms), false, function() resume(co) end)
    local r = pack(coroutine.yield())
    rt.stop(id)
    return unpack(r, 1, r.n)
end

function sys.waitUntil(id, ms)
    local co = coroutine.running()
    local timer
    local function on_message(...)
        sys.unsubscribe(id, on_message)
        if timer then rt.stop(timer) end
        resume(co, true, ...)
    end
    sys.subscribe(id, on_message)
    if ms then
        timer = rt.timer(ms, false, function()
            sys.unsubscribe(id, on_message)
            resume(co, false)
        end)
    end
    return coroutine.yield()
end

function sys.publish(id, ...)
    messages[#messages + 1] = pack(id, ...)
end

function sys.subscribe(id, fn)
    subscribers[id] = subscribers[id] or {}
    subscribers[id][fn] = true
end

function sys.unsubscribe(id, fn)
    if subscribers[id] then subscribers[id][fn] = nil end
end

local function start_timer(fn, ms, loop, ...)
    local args = pack(...)
    local id
    id = rt.timer(ms, loop, function()
        if not loop then timer_fns[id] = nil end
        fn(unpack(args, 1, args.n))
    end)
    timer_fns[id] = fn
    return id
end

function sys.timerStart(fn, ms, ...) return start_timer(fn, ms, false, ...) end
function sys.timerLoopStart(fn, ms, ...) return start_timer(fn, ms, true, ...) end

function sys.timerStop(id_or_fn)
    for id, fn in pairs(timer_fns) do
        if id == id_or_fn or fn == id_or_fn then
            rt.stop(id)
            timer_fns[id] = nil
        end
    end
end

function sys.timerStopAll(fn) sys.timerStop(fn) end
function sys.timerIsActive(id) return timer_fns[id] ~= nil end

-- One loop iteration as LuatOS's safeRun: every queued sys.publish message, then one C message.
function sys.run()
    while true do
        while #messages > 0 do
            local m = table.remove(messages, 1)
            for fn in pairs(subscribers[m[1]] or {}) do fn(unpack(m, 2, m.n)) end
        end
        local call = pack(rtos.receive(-1))
        call[1](unpack(call, 2, call.n))
    end
end

package.loaded.sys = sys
_G.sys = sys
