-- Prints tests/vectors/frames.json frame_hex/cbor_hex values computed with the agent's codec.
-- Usage: lua5.3 make_vectors.lua <firmware-scripts dir>
package.path = arg[1] .. "/?.lua;" .. package.path
dofile((arg[0]:gsub("make_vectors.lua$", "crc32_shim.lua")))
local cbor, frame = require "br_cbor", require "br_frame"
local function hex(s) return (s:gsub(".", function(c) return string.format("%02X", c:byte()) end)) end
local bigpay = {} for i = 0, 99 do bigpay[#bigpay + 1] = string.char(i % 256) end
local frames = {
    { "hello_req_empty", 0x01, 7, "" },
    { "ping_binary", 0x03, 9, "\0\167\128\0\255\167" },
    { "request_publish", 0x10, 1, cbor.encode_array({ "mqtt.publish", 1, "t", "payload", 1, 0 }, 1, 6) },
    { "result_empty", 0x11, 1, cbor.encode_array({}, 1, 0) },
    { "error_no_client", 0x12, 2, cbor.encode_array({ "no_client", "no mqtt client with handle 9" }, 1, 2) },
    { "event_recv", 0x20, 1, "" }, -- body filled below (map key order fixed by hand)
    { "credit", 0x30, 0, cbor.encode(300) },
}
-- Array of 6 built element by element so the metas map bytes do not depend on pairs() order.
frames[6][4] = "\134" .. cbor.encode("mqtt") .. cbor.encode(1) .. cbor.encode("recv") .. cbor.encode("a/b")
    .. cbor.encode("\0\1\128\255") .. "\162" .. cbor.encode("qos") .. cbor.encode(1)
    .. cbor.encode("retain") .. cbor.encode(0)
for _, f in ipairs(frames) do
    print(f[1], hex(f[4]), hex((frame.encode(f[2], f[3], f[4], 2048))))
end
local body = cbor.encode_array({ "mqtt.publish", 1, "big", table.concat(bigpay), 0 }, 1, 5)
local bytes, n = frame.encode(0x10, 5, body, 80)
print("fragmented_request", hex(body), hex(bytes), n)
