-- main.lua of a twin for flood tests (TwinFloodTests, bench reliability): the agent as main.lua starts it,
-- plus 8000 forwarded sys events (about 200 KB in 2 s) that begin when the host calls mqtt.create.
sys = require("sys")
require("br_agent").start()
local left, create = 0, mqtt.create
mqtt.create = function(...) left = 200 return create(...) end
sys.timerLoopStart(function()
    if left > 0 then
        left = left - 1
        for _ = 1, 40 do sys.publish("MQTT_PONG") end
    end
end, 10)
sys.run()
