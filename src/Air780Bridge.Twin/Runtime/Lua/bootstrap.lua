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

-- print and log ----------------------------------------------------------------------------------
-- LuatOS's print joins tostring() of each argument with single spaces into one debug-channel line; log.*
-- prefixes "<level>/user.<tag>" and goes through the global print (nothing without a tag argument).
function print(...)
    local parts = {}
    for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
    rt.print(table.concat(parts, " "))
end

libs.log = {}
for name, level in pairs({ debug = "D", info = "I", warn = "W", error = "E" }) do
    libs.log[name] = function(...)
        if select("#", ...) < 1 then return end
        local tag = ...
        if type(tag) ~= "string" and type(tag) ~= "number" then tag = "(null)" end
        print(level .. "/user." .. tostring(tag), select(2, ...))
    end
end

for lib, t in pairs(libs) do
    -- A function the twin lacks is a loud error; an absent constant is nil, as on firmware that lacks it.
    _G[lib] = setmetatable(t, { __index = function(_, k)
        if type(k) == "string" and k:match("^[%u_%d]+$") then return nil end
        error("twin: " .. lib .. "." .. tostring(k) .. " is not emulated", 2)
    end })
end
for name, f in pairs(native.string) do string[name] = wrap(f) end
for _, name in ipairs({ "split", "startsWith", "endsWith", "trim", "toValue", "urlEncode", "toBase32", "fromBase32" }) do
    string[name] = function() error("twin: string." .. name .. " is not emulated", 2) end
end

-- sys (script/corelib/sys.lua semantics) ------------------------------------------------------------
local sys = {}
local profile = rt.profile()
local queue, subscribers = {}, {}
local timer_fn, timer_args = {}, {} -- sys.timerStart timers by id

_G.COROUTINE_ERROR_ROLL_BACK = true
_G.COROUTINE_ERROR_RESTART = true

-- A task's error is logged with its traceback, then (default) raised again in the main context 500 ms later,
-- which exits the VM; with ROLL_BACK off and RESTART on the module reboots at once; with both off it is only logged.
local function after_resume(co, ok, ...)
    if not ok then
        local err = tostring((...))
        local trace = debug.traceback(co)
        if trace and trace ~= "" then err = err .. "\r\n" .. trace end
        log.error("coroutine.resume", err)
        if _G.COROUTINE_ERROR_ROLL_BACK then
            sys.timerStart(assert, 500, false, err)
        elseif _G.COROUTINE_ERROR_RESTART then
            rtos.reboot()
        end
    end
    return ok, ...
end

function sys.coresume(co, ...) return after_resume(co, coroutine.resume(co, ...)) end

-- Called in the main context (any C callback, timer or subscriber function) this raises, as on the module.
function sys.check_task()
    local co, main = coroutine.running()
    if main then error(debug.traceback("attempt to yield from outside a coroutine")) end
    return co
end

function sys.taskInit(fn, ...)
    local co = coroutine.create(fn)
    sys.coresume(co, ...)
    return co
end

-- Returns what the task was resumed with (a sys.publish to a waitUntil), nothing on timeout.
function sys.wait(ms)
    local co = sys.check_task()
    local id = rt.timer_start(function() sys.coresume(co) end, ms, false)
    if not id then log.debug("rtos.timer_start error") return end
    local resumed = { coroutine.yield() }
    if #resumed ~= 0 then
        rt.stop(id)
        return table.unpack(resumed)
    end
end

-- The calling task waits (at most ms) for a publish of id: the message, its first element nil on timeout.
local function wait_message(id, ms)
    local co = sys.check_task()
    sys.subscribe(id, co)
    local message = ms and { sys.wait(ms) } or { coroutine.yield() }
    sys.unsubscribe(id, co)
    return message
end

function sys.waitUntil(id, ms)
    local message = wait_message(id, ms)
    return message[1] ~= nil, table.unpack(message, 2, #message)
end

function sys.waitUntilMsg(id)
    local message = wait_message(id)
    return table.unpack(message, 2, #message)
end

function sys.waitUntilExt(id, ms)
    local message = wait_message(id, ms)
    if message[1] ~= nil then return table.unpack(message) end
    return false
end

-- Timer arguments match when both lists are equal element by element (no arguments matches only none).
local function same_args(given, stored)
    if not stored then return #given == 0 end
    if #given ~= #stored then return false end
    for i = 1, #given do
        if given[i] ~= stored[i] then return false end
    end
    return true
end

local function stop(id)
    rt.stop(id)
    timer_fn[id], timer_args[id] = nil, nil
end

function sys.timerStop(id_or_fn, ...)
    if type(id_or_fn) == "number" then
        stop(id_or_fn)
        return
    end
    local given = { ... }
    for id, fn in pairs(timer_fn) do
        if fn == id_or_fn and same_args(given, timer_args[id]) then
            stop(id)
            return
        end
    end
end

function sys.timerStopAll(fn)
    for id, f in pairs(timer_fn) do
        if f == fn then stop(id) end
    end
end

-- Starting a timer first stops the one with the same function and arguments.
function sys.timerAdvStart(fn, ms, rep, ...)
    sys.timerStop(fn, ...)
    local args = select("#", ...) > 0 and { ... } or nil
    local loop = rep ~= nil and rep ~= 0
    local id
    id = rt.timer_start(function()
        if not loop then timer_fn[id], timer_args[id] = nil, nil end
        if args then fn(table.unpack(args)) else fn() end
    end, ms, loop)
    if not id then
        log.error("rtos.timer_start", "create fail!!!")
        return
    end
    timer_fn[id], timer_args[id] = fn, args
    return id
end

function sys.timerStart(fn, ms, ...) return sys.timerAdvStart(fn, ms, 0, ...) end
function sys.timerLoopStart(fn, ms, ...) return sys.timerAdvStart(fn, ms, -1, ...) end

-- By id: the timer's function (truthy) or nil; by function and arguments: true or nil.
function sys.timerIsActive(id_or_fn, ...)
    if type(id_or_fn) == "number" then return timer_fn[id_or_fn] end
    local given = { ... }
    for id, fn in pairs(timer_fn) do
        if fn == id_or_fn and same_args(given, timer_args[id]) then return true end
    end
end

function sys.subscribe(id, callback)
    if type(id) == "table" then
        for _, v in pairs(id) do sys.subscribe(v, callback) end
        return
    end
    subscribers[id] = subscribers[id] or {}
    subscribers[id][callback] = true
end

function sys.unsubscribe(id, callback)
    if type(id) == "table" then
        for _, v in pairs(id) do sys.unsubscribe(v, callback) end
        return
    end
    local set = subscribers[id]
    if not set then return end
    set[callback] = nil
    if next(set) == nil then subscribers[id] = nil end
end

-- Only queued; delivered on the next loop iteration to whoever is subscribed then (else lost).
function sys.publish(...)
    queue[#queue + 1] = table.pack(...)
end
_G.sys_pub = sys.publish

-- Function subscribers run unprotected in the main context; task subscribers are resumed with (id, ...).
local function dispatch()
    while #queue > 0 do
        local m = table.remove(queue, 1)
        local callbacks = {}
        for callback in pairs(subscribers[m[1]] or {}) do callbacks[#callbacks + 1] = callback end
        for _, callback in ipairs(callbacks) do
            if type(callback) == "function" then
                callback(table.unpack(m, 2, m.n))
            elseif type(callback) == "thread" then
                sys.coresume(callback, table.unpack(m, 1, m.n))
            end
        end
    end
end

-- One loop iteration: every queued publish, then one C message (timer, uart, mqtt), its handler run here.
function sys.safeRun()
    dispatch()
    local call = table.pack(rtos.receive(-1))
    call[1](table.unpack(call, 2, call.n))
end

function sys.run()
    while true do sys.safeRun() end
end

-- Task mailboxes (sysplus): in sys since 2025-06-09, a separate require "sysplus" table before.
local function mailboxes(target)
    local tasks = {}

    local function timed_out(name)
        tasks[name].timed_out = true
        sys.publish(name)
    end

    function target.taskInitEx(fn, name, cb, ...)
        if name == nil then
            log.error("sys", "taskName is nil", debug.traceback())
            return
        end
        tasks[name] = { queue = {}, timed_out = false, cb = cb }
        return sys.taskInit(fn, ...)
    end

    function target.taskDel(name) tasks[name] = nil end

    -- The next message (table {p1..p4}) whose first element is target (any when nil); others go to the task's
    -- cb. nil on timeout; false when the task was not started with taskInitEx.
    function target.waitMsg(name, wanted, ms)
        local task = tasks[name]
        if task == nil then
            log.error("sys", "only a task started with sys.taskInitEx can use waitMsg")
            return false
        end
        local function take()
            local msg = table.remove(task.queue, 1)
            if wanted == nil or msg[1] == wanted then return msg end
            if type(task.cb) == "function" then task.cb(msg) end
        end
        while #task.queue > 0 do
            local msg = take()
            if msg then return msg end
        end
        local co = coroutine.running()
        sys.subscribe(name, co)
        sys.timerStop(timed_out, name)
        if ms and ms ~= 0 then sys.timerStart(timed_out, ms, name) end
        task.timed_out = false
        local msg
        while true do
            coroutine.yield()
            if #task.queue > 0 then
                msg = take()
                if msg then break end
            elseif task.timed_out then
                break
            end
        end
        if task.timed_out then msg = nil end
        task.timed_out = false
        sys.timerStop(timed_out, name)
        sys.unsubscribe(name, co)
        return msg
    end

    function target.sendMsg(name, p1, p2, p3, p4)
        local task = tasks[name]
        if task == nil then return false end
        task.queue[#task.queue + 1] = { p1, p2, p3, p4 }
        sys.publish(name)
        return true
    end

    function target.cleanMsg(name)
        if tasks[name] == nil then return false end
        tasks[name].queue = {}
        return true
    end

    function target.taskCB(name, msg)
        local task = tasks[name]
        if task and type(task.cb) == "function" then
            task.cb(msg)
            return
        end
        log.error(name, "no cb fun")
    end

    _G.sys_send = target.sendMsg
    _G.sys_wait = target.waitMsg
    return target
end

local absent = {} -- sys functions this firmware really lacks: plain nil, as on the module
if profile.sys_msg then
    mailboxes(sys)
    package.preload.sysplus = function() return sys end
else
    for _, name in ipairs({ "taskInitEx", "taskDel", "waitMsg", "sendMsg", "cleanMsg", "taskCB" }) do absent[name] = true end
    package.preload.sysplus = function() return mailboxes({}) end
end

-- Anything else sys lacks is a loud error naming it.
setmetatable(sys, { __index = function(_, k)
    if absent[k] then return nil end
    error("twin: sys." .. tostring(k) .. " is not emulated", 2)
end })

package.loaded.sys = sys
_G.sys = sys
