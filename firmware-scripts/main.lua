-- LuaTools needs PROJECT and VERSION in main.lua.
PROJECT = "air780bridge"
VERSION = "1.1.0"

sys = require("sys")

require("br_agent").start()

sys.run()
