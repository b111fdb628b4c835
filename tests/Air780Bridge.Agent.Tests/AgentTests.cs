using System.Text.RegularExpressions;

namespace Air780Bridge.Agent.Tests;

/// <summary>
/// br_agent.lua end to end inside KeraLua, against the fakes of lua/agent_harness.lua (H): requests go in
/// as UART transfers, replies and events are read back from what the agent wrote.
/// </summary>
public sealed class AgentTests : IDisposable
{
    private readonly LuaHost _lua = new();

    public AgentTests() =>
        _lua.Run($"H = dofile({LuaHost.Literal(Path.Combine(Paths.TestLua, "agent_harness.lua"))})");

    public void Dispose() => _lua.Dispose();

    private void Start(string setup = "") => _lua.Run(setup + "\nH.start()");

    /// <summary>Sends REQUEST [args...] (a Lua argument list) and returns the rendered reply.</summary>
    private string Call(string luaArgs) => _lua.Str($"H.reply(H.request({luaArgs}))");

    private void CreateClient() => Assert.Equal("RESULT [1]", Call("'mqtt.create', nil, 'broker', 1883"));

    [Fact]
    public void Boot_hello_carries_every_protocol_field()
    {
        Start();
        Assert.Equal(1, _lua.Int("#H.take('HELLO')"));
        _lua.Run("H.out = {}; H.ticks = 5250; H.transfer(require('br_frame').encode(0x01, 77, '', 2048))");
        _lua.Run("hello = H.take('HELLO')[1]");
        Assert.Equal(77, _lua.Int("hello.id"));
        var text = _lua.Str("H.show(hello.value)");
        var bootId = Regex.Match(text, "boot_id=\"([0-9a-f]{8})\"");
        Assert.True(bootId.Success, text);
        Assert.Equal(
            "{agent=\"1.1.0\",boot_id=\"" + bootId.Groups[1].Value + "\",bsp=\"EC618\",event_queue=32768,int_bits=64,lua=\"Lua 5.4\"," +
            "max_frame=2048,max_message=65536,mqtt={STATE_DISCONNECT=0,STATE_MQTT=2,STATE_READY=3,STATE_SCONNECT=1," +
            "VERIFY_NONE=0,VERIFY_OPTION=1,VERIFY_REQUIRED=2},proto=1,protos=[1,2],rx_window=4096,uart=32,uptime_ms=250,version=\"V1120\"}",
            text);
        Assert.True(_lua.Bool("H.logs[#H.logs]:find('air780bridge agent started', 1, true) ~= nil"));
        Assert.Equal("[32,115200,8,1,0,0,8192]", _lua.Str("H.show_array(H.setup, H.setup.n)"));
    }

    [Fact]
    public void A_uart_setup_failure_is_logged_not_hidden()
    {
        // bsp/pc and a wrong uart_id in br_config answer uart.setup with -1: nothing will ever arrive.
        Start("function uart.setup() return -1 end");
        Assert.True(_lua.Bool("(function() for _, l in ipairs(H.logs) do if l:find('uart.setup failed', 1, true) then return true end end return false end)()"));
    }

    [Fact]
    public void Hello_reports_mobile_identity_when_the_module_has_one()
    {
        Start("mobile = { imei = function() return '861234567890123' end, iccid = function() return nil end, csq = function() return 21 end }");
        var text = _lua.Str("H.show(H.take('HELLO')[1].value)");
        Assert.Contains("imei=\"861234567890123\"", text);
        Assert.Contains("csq=21", text);
        Assert.DoesNotContain("iccid", text);
    }

    [Theory]
    [InlineData("'mqtt.create', nil, 'broker', 1883", "mqtt:create(nil,\"broker\",1883)")]
    [InlineData("'mqtt.create', 1, 'broker', 8883, true", "mqtt:create(1,\"broker\",8883,true)")]
    [InlineData("'mqtt.create', nil, 'b', 8883, {server_cert = 'CA', verify = 1}", "mqtt:create(nil,\"b\",8883,{server_cert=\"CA\",verify=1})")]
    [InlineData("'mqtt.create', nil, 'b', 1883, nil, true", "mqtt:create(nil,\"b\",1883,nil,true)")]
    [InlineData("'mqtt.create', nil, 'b', 1883, false, {rxSize = 4096, conn_timeout = 10, ipv6 = false}", "mqtt:create(nil,\"b\",1883,false,{conn_timeout=10,ipv6=false,rxSize=4096})")]
    public void Create_passes_every_form_through(string args, string call)
    {
        Start();
        Assert.Equal("RESULT [1]", Call(args));
        Assert.Equal(call, _lua.Str("H.last_call()"));
    }

    [Theory]
    [InlineData("'mqtt.auth', 1", "c1:auth()")]
    [InlineData("'mqtt.auth', 1, nil", "c1:auth(nil)")]
    [InlineData("'mqtt.auth', 1, 'id'", "c1:auth(\"id\")")]
    [InlineData("'mqtt.auth', 1, 'id', 'user'", "c1:auth(\"id\",\"user\")")]
    [InlineData("'mqtt.auth', 1, 'id', 'user', 'pw'", "c1:auth(\"id\",\"user\",\"pw\")")]
    [InlineData("'mqtt.auth', 1, 'id', 'user', 'pw', false", "c1:auth(\"id\",\"user\",\"pw\",false)")]
    [InlineData("'mqtt.keepalive', 1, 60", "c1:keepalive(60)")]
    [InlineData("'mqtt.will', 1, 'lwt', 'gone\\0\\255', 1, 0", "c1:will(\"lwt\",\"gone\\0\\255\",1,0)")]
    [InlineData("'mqtt.autoreconn', 1, true", "c1:autoreconn(true)")]
    [InlineData("'mqtt.autoreconn', 1, true, 3000", "c1:autoreconn(true,3000)")]
    [InlineData("'mqtt.connect', 1", "c1:connect()")]
    [InlineData("'mqtt.disconnect', 1", "c1:disconnect()")]
    [InlineData("'mqtt.subscribe', 1, 'a/#', 1", "c1:subscribe(\"a/#\",1)")]
    [InlineData("'mqtt.subscribe', 1, {['a/1'] = 0, ['b/2'] = 2}", "c1:subscribe({a/1=0,b/2=2})")]
    [InlineData("'mqtt.unsubscribe', 1, 'a/#'", "c1:unsubscribe(\"a/#\")")]
    [InlineData("'mqtt.unsubscribe', 1, {'a', 'b'}", "c1:unsubscribe([\"a\",\"b\"])")]
    [InlineData("'mqtt.publish', 1, 't', 'p', 1, 0", "c1:publish(\"t\",\"p\",1,0)")]
    [InlineData("'mqtt.publish', 1, 't', 'p'", "c1:publish(\"t\",\"p\")")]
    [InlineData("'mqtt.publish', 1, 't', 'p', 1.5", "c1:publish(\"t\",\"p\",1.5)")]
    [InlineData("'mqtt.ready', 1", "c1:ready()")]
    [InlineData("'mqtt.state', 1", "c1:state()")]
    [InlineData("'mqtt.debug', 1, true", "c1:debug(true)")]
    [InlineData("'mqtt.on', 1, false", "c1:on(nil)")]
    [InlineData("'mqtt.close', 1", "c1:close()")]
    public void Client_methods_receive_exactly_the_arguments_sent(string args, string call)
    {
        Start();
        CreateClient();
        Assert.Equal("RESULT []", Call(args));
        Assert.Equal(call, _lua.Str("H.last_call()"));
    }

    [Theory]
    [InlineData("table.pack(42)", "RESULT [42]")]
    [InlineData("table.pack(nil)", "RESULT [nil]")]
    [InlineData("table.pack(nil, 'no route')", "RESULT [nil,\"no route\"]")]
    [InlineData("table.pack(false, 7, nil)", "RESULT [false,7,nil]")]
    [InlineData("table.pack({qos = 1})", "RESULT [{qos=1}]")]
    public void Return_values_come_back_with_their_count(string returns, string reply)
    {
        Start();
        CreateClient();
        _lua.Run($"H.returns.publish = {returns}");
        Assert.Equal(reply, Call("'mqtt.publish', 1, 't', 'p'"));
    }

    [Fact]
    public void Create_that_returns_nothing_allocates_no_handle()
    {
        Start("H.returns.create = table.pack()");
        Assert.Equal("RESULT []", Call("'mqtt.create', 99, 'broker', 1883"));
        Assert.Equal("ERROR [\"no_client\",\"no mqtt client with handle 1\"]", Call("'mqtt.connect', 1"));
    }

    [Fact]
    public void Several_clients_have_their_own_handles_and_close_frees_one()
    {
        Start();
        CreateClient();
        Assert.Equal("RESULT [2]", Call("'mqtt.create', nil, 'other', 1883"));
        Assert.Equal("RESULT []", Call("'mqtt.connect', 2"));
        Assert.Equal("c2:connect()", _lua.Str("H.last_call()"));
        Assert.Equal("RESULT []", Call("'mqtt.close', 1"));
        Assert.Equal("ERROR [\"no_client\",\"no mqtt client with handle 1\"]", Call("'mqtt.state', 1"));
        Assert.Equal("RESULT []", Call("'mqtt.state', 2"));
        Assert.Contains("clients=1", Call("'agent.stats'"));
    }

    [Fact]
    public void A_lua_error_in_a_method_answers_error_lua_and_the_agent_keeps_working()
    {
        Start();
        CreateClient();
        _lua.Run("H.raise.publish = \"bad argument #4 to 'publish' (number expected, got boolean)\"");
        Assert.Equal("ERROR [\"lua\",\"bad argument #4 to 'publish' (number expected, got boolean)\"]",
            Call("'mqtt.publish', 1, 't', 'p', true"));
        _lua.Run("H.raise.publish = nil; H.returns.publish = table.pack(3)");
        Assert.Equal("RESULT [3]", Call("'mqtt.publish', 1, 't', 'p', 1"));
    }

    [Theory]
    [InlineData("H.request('mqtt.nope', 1)", "ERROR [\"unknown_method\",\"no method 'mqtt.nope'\"]")]
    [InlineData("H.request(9, 1)", "ERROR [\"unknown_method\",\"no method with code 9\"]")]
    [InlineData("H.request(1.5, 1)", "ERROR [\"bad_request\",\"body must be a CBOR array starting with the method name or code\"]")]
    [InlineData("H.request()", "ERROR [\"bad_request\",\"body must be a CBOR array starting with the method name or code\"]")]
    [InlineData("raw(require('br_cbor').encode_array({'mqtt.state', 1}, 1, 2) .. 'x')", "ERROR [\"bad_request\",\"cbor: trailing bytes at byte 14\"]")]
    [InlineData("H.request('mqtt.connect', 7)", "ERROR [\"no_client\",\"no mqtt client with handle 7\"]")]
    [InlineData("H.request('mqtt.connect')", "ERROR [\"no_client\",\"no mqtt client with handle nil\"]")]
    [InlineData("raw(require('br_cbor').encode(5))", "ERROR [\"bad_request\",\"body must be a CBOR array starting with the method name or code\"]")]
    [InlineData("raw('\\130\\193\\0\\0')", "ERROR [\"bad_request\",\"cbor: tags not supported at byte 2\"]")]
    [InlineData("raw('\\159\\255')", "ERROR [\"bad_request\",\"cbor: indefinite length not supported at byte 1\"]")]
    public void Bad_requests_get_the_right_error_kind(string send, string reply)
    {
        Start();
        _lua.Run("""
            function raw(body)
                H.next_id = H.next_id + 1
                H.transfer(require('br_frame').encode(0x10, H.next_id, body, 2048))
                return H.next_id
            end
            """);
        Assert.Equal(reply, _lua.Str($"H.reply({send})"));
        Assert.Equal("RESULT [1]", Call("'mqtt.create', nil, 'still', 1883"));
    }

    [Fact]
    public void A_request_over_max_message_answers_too_large()
    {
        Start("H.config = { max_message = 1000, max_frame = 256 }");
        var reply = _lua.Str("H.reply(H.request('mqtt.publish', 1, 't', string.rep('x', 2000)))");
        Assert.Equal("ERROR [\"too_large\",\"request larger than max_message 1000 bytes\"]", reply);
        Assert.Equal("RESULT [1]", Call("'mqtt.create', nil, 'b', 1883"));
    }

    [Fact]
    public void Ping_is_echoed_and_unknown_frame_types_are_counted()
    {
        Start();
        _lua.Run("H.transfer(require('br_frame').encode(0x03, 12, '\\0\\167\\128x', 2048))");
        _lua.Run("H.transfer(require('br_frame').encode(0x3F, 0, 'future', 2048))");
        _lua.Run("H.drain(); for _, m in ipairs(H.msgs) do if m.type == 4 then pong = m end end");
        Assert.Equal(4, _lua.Int("pong.type"));
        Assert.Equal(12, _lua.Int("pong.id"));
        Assert.Equal("\0\u00A7\u0080x", _lua.Str("pong.body"));
        Assert.Contains("unknown_frames=1", Call("'agent.stats'"));
    }

    [Fact]
    public void Mqtt_callbacks_become_events_with_increasing_sequence_numbers()
    {
        Start();
        CreateClient();
        Assert.Equal("RESULT []", Call("'mqtt.on', 1, true"));
        Assert.Equal("function", _lua.Str("type(H.clients[1].cb)"));
        _lua.Run("""
            H.fire(1, "conack")
            H.fire(1, "recv", "a/b", "\0\1\128\255", { qos = 1, retain = 0, dup = 0, message_id = 7 })
            H.fire(1, "sent", 0)
            H.fire(1, "suback", false, 128)
            H.fire(1, "disconnect", -2, nil, nil)
            H.fire(1, "error", "connect", 0)
            """);
        Assert.Equal(string.Join("\n",
            "1:[\"mqtt\",1,\"conack\"]",
            "2:[\"mqtt\",1,\"recv\",\"a/b\",\"\\0\\1\\128\\255\",{dup=0,message_id=7,qos=1,retain=0}]",
            "3:[\"mqtt\",1,\"sent\",0]",
            "4:[\"mqtt\",1,\"suback\",false,128]",
            "5:[\"mqtt\",1,\"disconnect\",-2]",
            "6:[\"mqtt\",1,\"error\",\"connect\",0]"), _lua.Str("H.events()"));
    }

    [Fact]
    public void Selected_sys_messages_are_forwarded_with_the_client_handle()
    {
        Start();
        CreateClient();
        _lua.Run("sys.publish('MQTT_PONG', H.clients[1]); sys.publish('MQTT_DISCONNECT', H.clients[1], 3)");
        _lua.Run("sys.publish('MQTT_CONNACK', H.clients[1]); sys.publish('OTHER', H.clients[1])");
        Assert.Equal(
            "1:[\"sys\",\"MQTT_PONG\",1]\n2:[\"sys\",\"MQTT_DISCONNECT\",1,3]\n3:[\"sys\",\"MQTT_CONNACK\",1]",
            _lua.Str("H.events()"));
    }

    [Fact]
    public void A_callback_value_that_cannot_be_sent_is_logged_not_raised()
    {
        Start();
        CreateClient();
        Call("'mqtt.on', 1, true");
        _lua.Run("H.fire(1, 'recv', 't', function() end)");
        Assert.True(_lua.Bool("H.logs[#H.logs]:find('cannot encode a function', 1, true) ~= nil"));
        _lua.Run("H.fire(1, 'conack')");
        Assert.Equal("1:[\"mqtt\",1,\"conack\"]", _lua.Str("H.events()"));
    }

    [Fact]
    public void Event_sequence_numbers_wrap_from_65535_to_1()
    {
        Start();
        CreateClient();
        Call("'mqtt.on', 1, true");
        _lua.Run("""
            for i = 1, 65535 do
                H.fire(1, "pong")
                if i % 100 == 0 then H.sent(); H.out = {} end
            end
            repeat H.out = {}; H.sent() until #H.out == 0 -- one write in flight: each "sent" lets the next go
            H.fire(1, "pong"); H.fire(1, "conack"); H.sent()
            """);
        Assert.Equal("1:[\"mqtt\",1,\"pong\"]\n2:[\"mqtt\",1,\"conack\"]", _lua.Str("H.events()"));
        Assert.Contains("events_dropped=0", Call("'agent.stats'"));
    }

    [Fact]
    public void An_event_flood_beyond_event_queue_is_reported_as_dropped()
    {
        Start("H.config = { event_queue = 2048, tx_window = 1024 }");
        CreateClient();
        Call("'mqtt.on', 1, true");
        _lua.Run("for i = 1, 200 do H.fire(1, 'recv', 't', string.rep('p', 100), { qos = 0 }) end");
        for (var i = 0; i < 20; i++) _lua.Run("H.run_timers()"); // the tx tick refills the budget
        _lua.Run("""
            events = H.take("EVENT")
            delivered, reported, contiguous = 0, 0, true
            for i, e in ipairs(events) do
                if e.id ~= i then contiguous = false end
                if e.value[1] == "agent" then reported = reported + e.value[3] else delivered = delivered + 1 end
            end
            """);
        Assert.True(_lua.Bool("contiguous"));
        Assert.True(_lua.Int("reported") > 0);
        Assert.Equal(200, _lua.Int("delivered + reported"));
        Assert.Equal("[\"agent\",\"dropped\"," + _lua.Int("reported") + "]", _lua.Str("events[#events].text"));
        Assert.Contains("events_dropped=" + _lua.Int("reported"), Call("'agent.stats'"));
    }

    [Fact]
    public void Credits_sum_to_every_byte_fed_including_garbage()
    {
        Start();
        CreateClient();
        _lua.Run("""
            H.transfer(string.rep("g", 5000))
            for i = 1, 20 do H.request("mqtt.publish", 1, "t", string.rep("x", 300)) end
            H.transfer("\167\128")
            """);
        _lua.Run("credits = H.take('CREDIT')");
        Assert.True(_lua.Int("#credits") >= 23, "a 5000-byte transfer needs CREDITs every half window");
        Assert.Equal(2048, _lua.Int("(function() local m = 0 for _, c in ipairs(credits) do m = math.max(m, c.value) end return m end)()"));
        Assert.Equal(_lua.Int("H.fed"), _lua.Int("(function() local s = 0 for _, c in ipairs(credits) do s = s + c.value end return s end)()"));
    }

    [Fact]
    public void Transmission_is_paced_by_the_tx_window()
    {
        Start("H.config = { tx_window = 1024 }");
        CreateClient();
        _lua.Run("H.sent(); H.out = {}; H.returns.publish = table.pack(string.rep('r', 5000))");
        _lua.Run("id = H.request('mqtt.publish', 1, 't', 'p')");
        Assert.Equal(1024, _lua.Int("#table.concat(H.out)"));
        _lua.Run("H.sent()");
        Assert.Equal(2048, _lua.Int("#table.concat(H.out)"));
        // A port whose "sent" stops (a lost bus message): after tx_stall_ms the tick writes on.
        _lua.Run("for i = 1, 5 do H.ticks = H.ticks + 2000; H.run_timers() end");
        Assert.Equal("RESULT [\"" + new string('r', 5000) + "\"]", _lua.Str("H.reply(id)"));
    }

    [FactIfFile(Paths.Lua53)]
    public void Agent_runs_under_lua53()
    {
        var (code, output) = Tool.Run(Paths.Lua53, Path.Combine(Paths.TestLua, "agent_smoke.lua"), Paths.Firmware);
        Assert.True(code == 0, output);
        Assert.Contains("agent smoke ok", output);
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("1", 1)]
    [InlineData("1, 2", 2)]
    [InlineData("2", 2)]
    [InlineData("1, 2, 3", 2)]
    [InlineData("3", 1)]
    public void Hello_req_picks_the_highest_version_both_sides_speak(string offer, int proto)
    {
        Start();
        _lua.Run($"H.take('HELLO'); id = H.hello_req({offer}); hello = H.take('HELLO')[1]");
        Assert.Equal(_lua.Int("id"), _lua.Int("hello.id"));
        Assert.Equal(proto, _lua.Int("hello.value.proto"));
        Assert.Equal("[1,2]", _lua.Str("H.show(hello.value.protos)"));
    }

    [Fact]
    public void An_empty_hello_req_after_an_offer_goes_back_to_version_1()
    {
        // A version-1 host taking over the port from a newer one must get the forms it reads.
        Start();
        CreateClient();
        Call("'mqtt.on', 1, true");
        _lua.Run("H.take('HELLO'); H.hello_req(1, 2); H.hello_req(); hellos = H.take('HELLO')");
        Assert.Equal(2, _lua.Int("hellos[1].value.proto"));
        Assert.Equal(1, _lua.Int("hellos[2].value.proto"));
        _lua.Run("H.fire(1, 'sent', 3)");
        Assert.Equal("1:[\"mqtt\",1,\"sent\",3]", _lua.Str("H.events()"));
    }

    [Fact]
    public void A_malformed_offer_is_answered_with_version_1_and_logged()
    {
        Start();
        _lua.Run("H.take('HELLO'); H.transfer(require('br_frame').encode(0x01, 5, '\\255', 2048))");
        Assert.Equal(1, _lua.Int("H.take('HELLO')[1].value.proto"));
        Assert.True(_lua.Bool("H.logs[#H.logs]:find('HELLO_REQ body is not a map', 1, true) ~= nil"));
    }

    [Fact]
    public void Version_2_sends_recv_and_sent_compact_and_every_other_event_as_in_version_1()
    {
        Start();
        CreateClient();
        Call("'mqtt.on', 1, true");
        _lua.Run("H.hello_req(1, 2)");
        _lua.Run("""
            H.fire(1, "conack")
            H.fire(1, "recv", "a/b", "\0\1\128\255", { qos = 1, retain = 0, dup = 0, message_id = 7 })
            H.fire(1, "recv", "a/b", "x", { qos = 2, retain = 1, dup = 1 })
            H.fire(1, "recv", "a/b", "x", { qos = 1, retain = 0, dup = 8 })
            H.fire(1, "recv", "a/b", "x", { qos = 1, retain = 0, dup = 0, message_id = 7, extra = true })
            H.fire(1, "recv", "a/b", "x", { qos = 1.0, retain = 0, dup = 0 })
            H.fire(1, "sent", 9)
            H.fire(1, "sent", 1.5)
            H.fire(1, "suback", true, 1)
            """);
        Assert.Equal(string.Join("\n",
            "1:[\"mqtt\",1,\"conack\"]",
            "2:[1,1,\"a/b\",2,7]+\"\\0\\1\\128\\255\"",
            "3:[1,1,\"a/b\",13]+\"x\"",
            "4:[\"mqtt\",1,\"recv\",\"a/b\",\"x\",{dup=8,qos=1,retain=0}]",
            "5:[\"mqtt\",1,\"recv\",\"a/b\",\"x\",{dup=0,extra=true,message_id=7,qos=1,retain=0}]",
            "6:[\"mqtt\",1,\"recv\",\"a/b\",\"x\",{dup=0,qos=1.0,retain=0}]",
            "7:[2,1,9]",
            "8:[\"mqtt\",1,\"sent\",1.5]",
            "9:[\"mqtt\",1,\"suback\",true,1]"), _lua.Str("H.events()"));
    }

    [Fact]
    public void An_agent_pinned_to_version_1_answers_as_a_version_1_agent()
    {
        Start("H.config = { max_proto = 1 }");
        _lua.Run("H.take('HELLO'); H.hello_req(1, 2); hello = H.take('HELLO')[1]");
        Assert.Equal(1, _lua.Int("hello.value.proto"));
        Assert.True(_lua.Bool("hello.value.protos == nil"));
        CreateClient();
        Call("'mqtt.on', 1, true");
        _lua.Run("H.fire(1, 'recv', 'a/b', 'x', { qos = 0, retain = 0, dup = 0, message_id = 0 })");
        Assert.Equal("1:[\"mqtt\",1,\"recv\",\"a/b\",\"x\",{dup=0,message_id=0,qos=0,retain=0}]", _lua.Str("H.events()"));
    }

    [Fact]
    public void A_max_proto_the_agent_does_not_implement_is_logged_and_replaced()
    {
        Start("H.config = { max_proto = 7 }");
        Assert.True(_lua.Bool("(function() for _, l in ipairs(H.logs) do if l:find('max_proto must be', 1, true) then return true end end return false end)()"));
        Assert.Equal("[1,2]", _lua.Str("H.show(H.take('HELLO')[1].value.protos)"));
    }

    [Theory]
    [InlineData("{1, 1, 't', 1, 0}, 5, 'p'", "c1:publish(\"t\",\"p\",1,0)")]
    [InlineData("{1, 1, 't'}, 3, ''", "c1:publish(\"t\",\"\")")]
    [InlineData("{1, 1, 't', nil, 1}, 5, '\\0\\167\\128'", "c1:publish(\"t\",\"\\0\\167\\128\",nil,1)")]
    [InlineData("{1, 1}, 2, 'p'", "c1:publish(nil,\"p\")")]
    public void A_compact_publish_reaches_publish_with_exactly_its_arguments(string array, string call)
    {
        // Accepted whatever version was negotiated: the integer code marks the form (protocol §4.1).
        Start();
        CreateClient();
        var parts = array.Split("}, ");
        var (items, rest) = (parts[0] + "}", parts[1].Split(", ", 2));
        Assert.Equal("RESULT []", _lua.Str($"H.reply(H.request_body(require('br_cbor').encode_array({items}, 1, {rest[0]}) .. {rest[1]}))"));
        Assert.Equal(call, _lua.Str("H.last_call()"));
    }

    [Fact]
    public void Stats_and_reboot()
    {
        Start();
        var stats = Call("'agent.stats'");
        foreach (var key in new[] { "frames_in=1", "frames_out=", "crc_errors=0", "resyncs=0", "garbage_bytes=0", "events_dropped=0", "heap_kb=", "clients=0" })
            Assert.Contains(key, stats);
        Assert.Equal("RESULT [true]", Call("'agent.reboot', 250"));
        Assert.False(_lua.Bool("H.rebooted"));
        Assert.Equal(250, _lua.Int("H.timers[#H.timers].ms"));
        _lua.Run("H.run_timers()");
        Assert.True(_lua.Bool("H.rebooted"));
    }
}
