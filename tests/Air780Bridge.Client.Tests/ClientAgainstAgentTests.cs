using System.Text;
using Air780Bridge.Client.Link;
using Air780Bridge.Client.Mqtt;
using Air780Bridge.Protocol.Framing;
using Air780Bridge.Protocol.Messages;

namespace Air780Bridge.Client.Tests;

/// <summary>The C# proxy against the real Lua agent (with fake mqtt/uart underneath), over a TCP link.</summary>
public sealed class ClientAgainstAgentTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly LuaAgent _agent = new();
    private Air780Client _client = null!;

    public async Task InitializeAsync() => _client = await Air780Client.ConnectAsync(_agent.ConnectionString);

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _agent.DisposeAsync();
    }

    [Fact]
    public void Hello_describes_the_module()
    {
        Assert.Equal(ProtocolVersions.Compact, _client.Hello.Proto);
        Assert.Equal("V1120", _client.Hello.FirmwareVersion);
        Assert.Equal("EC618", _client.Hello.Bsp);
        Assert.Equal(8, _client.Hello.BootId.Length);
        Assert.Equal(4096, _client.Hello.RxWindow);
        Assert.Equal(3, _client.Hello.MqttConstants["STATE_READY"]);
    }

    [Fact]
    public async Task Calls_reach_the_lua_api_with_exactly_the_arguments_given()
    {
        var mqtt = await _client.Mqtt.CreateAsync("broker.example", 1883);
        Assert.NotNull(mqtt);
        Assert.Equal("mqtt:create(nil,\"broker.example\",1883,nil,nil)", _agent.Eval("H.last_call()"));
        await mqtt.AuthAsync();
        Assert.Equal("c1:auth()", _agent.Eval("H.last_call()"));
        await mqtt.AuthAsync("id", "user", "pass", false);
        Assert.Equal("c1:auth(\"id\",\"user\",\"pass\",false)", _agent.Eval("H.last_call()"));
        await mqtt.SubscribeAsync(new Dictionary<string, int> { ["a"] = 1 });
        Assert.Equal("c1:subscribe({a=1})", _agent.Eval("H.last_call()"));
        await mqtt.AutoreconnAsync(true);
        Assert.Equal("c1:autoreconn(true)", _agent.Eval("H.last_call()"));
    }

    [Fact]
    public async Task Return_values_and_nil_come_back_typed()
    {
        var mqtt = (await _client.Mqtt.CreateAsync("h", 1))!;
        _agent.Run("H.returns.publish = table.pack(42)");
        Assert.Equal(42, await mqtt.PublishAsync("t", "p", 1));
        _agent.Run("H.returns.publish = table.pack(nil)");
        Assert.Null(await mqtt.PublishAsync("t", "p", 1));
        _agent.Run("H.returns.create = table.pack()");
        Assert.Null(await _client.Mqtt.CreateAsync("h", 1));
    }

    [Fact]
    public async Task A_lua_error_becomes_a_module_error_with_its_text_and_the_agent_lives_on()
    {
        var mqtt = (await _client.Mqtt.CreateAsync("h", 1))!;
        _agent.Run("H.raise.publish = \"bad argument #4 to 'publish' (number expected, got boolean)\"");
        var e = await Assert.ThrowsAsync<ModuleErrorException>(() => mqtt.CallAsync("publish", ["t", "p", true]));
        Assert.Equal("lua", e.Kind);
        Assert.Contains("number expected, got boolean", e.Text);
        Assert.False(await mqtt.ReadyAsync());
        var unknown = await Assert.ThrowsAsync<ModuleErrorException>(() => _client.CallAsync("mqtt.nope", []));
        Assert.Equal("unknown_method", unknown.Kind);
        var closed = await Assert.ThrowsAsync<ModuleErrorException>(() => _client.Mqtt.Attach(99).ConnectAsync());
        Assert.Equal("no_client", closed.Kind);
    }

    [Fact]
    public async Task Events_arrive_typed_and_wait_for_sent_never_misses_an_early_one()
    {
        var mqtt = (await _client.Mqtt.CreateAsync("h", 1))!;
        await mqtt.OnAsync();
        _agent.Run("H.fire(1, 'conack')");
        await mqtt.WaitForConnAckAsync(Wait);
        _agent.Run("H.fire(1, 'sent', 7)");
        var sent = await mqtt.WaitForSentAsync(7, Wait); // raised before the wait started
        Assert.Equal(7, sent.MessageId);
        _agent.Run("H.fire(1, 'recv', 'a/b', '\\0\\255payload', {qos=1, retain=0, dup=0, message_id=5})");
        var recv = await mqtt.WaitForAsync(e => e.Name == "recv", Wait);
        Assert.Equal("a/b", recv.Topic);
        Assert.Equal([0, 255, .. "payload"u8.ToArray()], recv.Payload);
        Assert.Equal(1L, recv.Metas!["qos"]);
        Assert.Equal(5, recv.MessageId);
        _agent.Run("H.fire(1, 'disconnect', 5)");
        Assert.Equal(5, (await mqtt.WaitForAsync(e => e.Name == "disconnect", Wait)).Code);
    }

    [Fact]
    public async Task A_publish_larger_than_a_frame_is_fragmented_and_credit_keeps_the_window()
    {
        var mqtt = (await _client.Mqtt.CreateAsync("h", 1))!;
        var payload = Enumerable.Range(0, 10 * 1024).Select(i => (byte)i).ToArray();
        await mqtt.PublishAsync("big", payload, 1);
        Assert.Equal("10240", _agent.Eval("#H.calls[#H.calls].args[2]"));
        Assert.Equal("0", _agent.Eval("H.calls[#H.calls].args[2]:byte(1)"));
        Assert.Equal(0, _client.Stats.CreditResets);
    }

    [Fact]
    public async Task A_reboot_during_a_call_is_reported_as_such()
    {
        var mqtt = (await _client.Mqtt.CreateAsync("h", 1))!;
        var rebooted = new TaskCompletionSource<ModuleRebootedEvent>();
        _client.EventReceived += e =>
        {
            if (e is ModuleRebootedEvent r)
                rebooted.TrySetResult(r);
        };
        var oldBoot = _client.Hello.BootId;
        _agent.Reboot();
        var reboot = await rebooted.Task.WaitAsync(Wait);
        Assert.Equal(oldBoot, reboot.OldBootId);
        Assert.NotEqual(oldBoot, _client.Hello.BootId);
        var gone = await Assert.ThrowsAsync<ModuleErrorException>(() => mqtt.ConnectAsync());
        Assert.Equal("no_client", gone.Kind);
    }

    [Fact]
    public async Task Corrupted_bytes_toward_the_host_are_counted_and_never_misread()
    {
        var mqtt = (await _client.Mqtt.CreateAsync("h", 1))!;
        await mqtt.OnAsync();
        var flip = 0;
        _agent.ToHostFilter = bytes =>
        {
            // Damage every other chunk: one flipped bit in the middle (a compact "sent" event is a 17-byte frame).
            if (flip++ % 2 == 0 && bytes.Length > FrameFormat.Overhead)
                bytes[bytes.Length / 2] ^= 0x10;
            return bytes;
        };
        for (var i = 1; i <= 20; i++)
            _agent.Run($"H.fire(1, 'sent', {i})");
        _agent.ToHostFilter = null;
        _agent.Run("H.fire(1, 'sent', 99)");
        await mqtt.WaitForSentAsync(99, Wait);
        var ids = mqtt.History.Where(e => e.Name == "sent").Select(e => e.MessageId!.Value).ToList();
        Assert.All(ids, id => Assert.True(id is >= 1 and <= 20 or 99));
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.True(_client.Stats.Reader.CrcErrors + _client.Stats.Reader.HeaderRejects > 0);
        Assert.True(_client.Stats.EventsLost > 0, "lost events must be reported as a gap");
    }

    [Fact]
    public async Task A_vanished_port_is_reopened_and_the_module_is_still_there()
    {
        var mqtt = (await _client.Mqtt.CreateAsync("h", 1))!;
        var up = new TaskCompletionSource();
        _client.EventReceived += e =>
        {
            if (e is LinkStateEvent { Up: true })
                up.TrySetResult();
        };
        var bootId = _client.Hello.BootId;
        _agent.Unplug();
        await up.Task.WaitAsync(Wait);
        Assert.Equal(bootId, _client.Hello.BootId);
        Assert.Equal(MqttState.Disconnect, await mqtt.StateAsync());
        Assert.Equal(1, _client.Stats.Reconnects);
    }

    [Fact]
    public async Task Concurrent_calls_are_matched_to_their_answers()
    {
        var mqtt = (await _client.Mqtt.CreateAsync("h", 1))!;
        _agent.Run("H.returns.state = table.pack(3)");
        var states = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => mqtt.StateAsync()));
        Assert.All(states, s => Assert.Equal(MqttState.Ready, s));
    }

    [Fact]
    public async Task A_silent_port_times_out_with_a_hint()
    {
        var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
            var e = await Assert.ThrowsAsync<LinkTimeoutException>(() =>
                Air780Client.ConnectAsync($"tcp://127.0.0.1:{port}", new LinkOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) }));
            Assert.Contains("is the agent running", e.Message);
        }
        finally
        {
            silent.Stop();
        }
    }
}
