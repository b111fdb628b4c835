-- Runs the agent against the harness fakes under a stock lua5.3 (catches 5.3-vs-5.4 differences
-- that the KeraLua tests cannot). Usage: lua5.3 agent_smoke.lua <firmware-scripts dir>
local here = arg[0]:gsub("agent_smoke.lua$", "")
package.path = arg[1] .. "/?.lua;" .. package.path
dofile(here .. "crc32_shim.lua")
local H = dofile(here .. "agent_harness.lua")
H.start()

local function check(got, want)
    if got ~= want then error("expected " .. want .. ", got " .. got, 2) end
end

check(#H.take("HELLO"), 1)
check(H.reply(H.request("mqtt.create", nil, "broker", 1883, { server_cert = "CA" })), "RESULT [1]")
check(H.last_call(), 'mqtt:create(nil,"broker",1883,{server_cert="CA"})')
check(H.reply(H.request("mqtt.auth", 1, "id", nil, "pw")), "RESULT []")
check(H.last_call(), 'c1:auth("id",nil,"pw")')
H.returns.publish = table.pack(nil, 2147483647, -2147483648, 1.5)
check(H.reply(H.request("mqtt.publish", 1, "t", "\0\255", 2)), "RESULT [nil,2147483647,-2147483648,1.5]")
H.raise.connect = "boom"
check(H.reply(H.request("mqtt.connect", 1)), 'ERROR ["lua","boom"]')
check(H.reply(H.request("mqtt.on", 1, true)), "RESULT []")
H.fire(1, "recv", "a/b", "\0\128", { qos = 1 })
check(H.events(), '1:["mqtt",1,"recv","a/b","\\0\\128",{qos=1}]')
-- Version 2: the flags byte is built with 5.3 integer operators.
H.hello_req(1, 2)
check(H.take("HELLO")[1].value.proto, 2)
H.fire(1, "recv", "a/b", "\0\128", { qos = 2, retain = 1, dup = 1, message_id = 300 })
check(H.events(), '2:[1,1,"a/b",13,300]+"\\0\\128"')
check(H.reply(H.request_body(require("br_cbor").encode_array({ 1, 1, "t", 0 }, 1, 4) .. "\255")), "RESULT [nil,2147483647,-2147483648,1.5]")
check(H.last_call(), 'c1:publish("t","\\255",0)')
check(H.credited(), H.fed)
print("agent smoke ok")
