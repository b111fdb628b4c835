-- Stand-in for LuatOS crypto.crc32 under a stock Lua 5.3 interpreter (zlib CRC-32, table-driven).
local tbl = {}
for i = 0, 255 do
    local c = i
    for _ = 1, 8 do
        if c & 1 == 1 then c = 0xEDB88320 ~ (c >> 1) else c = c >> 1 end
    end
    tbl[i] = c
end
crypto = crypto or {}
function crypto.crc32(s)
    local c = 0xFFFFFFFF
    for i = 1, #s do
        c = tbl[(c ~ s:byte(i)) & 0xFF] ~ (c >> 8)
    end
    return c ~ 0xFFFFFFFF
end
