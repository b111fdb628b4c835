namespace Air780Bridge.Client.Mqtt;

/// <summary>The firmware's state() values. The doc page's "4: ERROR" does not exist in the firmware.</summary>
public enum MqttState
{
    Disconnect = 0,
    SocketConnecting = 1,
    MqttConnecting = 2,
    Ready = 3,
}

/// <summary>
/// One mqtt client on the module, method for method as in Lua (mqttc:auth, :connect, ...). Arguments left null
/// are not passed, so every optional Lua form is reachable; results are null where Lua returns nil.
/// </summary>
public sealed class LuatMqttClientProxy
{
    private readonly IModuleCalls _module;
    private readonly int _created;
    private int _mark;

    /// <summary>The client <paramref name="handle"/> (what mqtt.create returned) on <paramref name="module"/>.</summary>
    public LuatMqttClientProxy(IModuleCalls module, long handle)
    {
        ArgumentNullException.ThrowIfNull(module);
        _module = module;
        Handle = handle;
        // The handle number may have served a client before the module last rebooted: its events are not this client's.
        _created = _mark = module.MqttEvents.Count;
    }

    public long Handle { get; }

    /// <summary>The latest events of this client (see <see cref="MqttEventLog"/>), oldest first.</summary>
    public IReadOnlyList<MqttEvent> History => _module.MqttEvents.Since(Handle, _created);

    /// <summary>Calls mqttc:function(args...) and returns Lua's results as they are (their count and types: what a
    /// conformance check of a return value judges). Waits started afterwards consider only events raised since this call began.</summary>
    public Task<object?[]> CallAsync(string function, object?[] args, CancellationToken ct = default)
    {
        Volatile.Write(ref _mark, _module.MqttEvents.Count);
        return _module.CallAsync("mqtt." + function, [Handle, .. Trim(args)], ct);
    }

    public async Task<bool?> AuthAsync(string? clientId = null, string? username = null, string? password = null, bool? cleanSession = null, CancellationToken ct = default) =>
        First<bool>(await CallAsync("auth", [clientId, username, password, cleanSession], ct));

    public Task KeepaliveAsync(int? seconds = null, CancellationToken ct = default) => CallAsync("keepalive", [Long(seconds)], ct);

    public async Task<bool?> WillAsync(string topic, ReadOnlyMemory<byte> payload, int? qos = null, int? retain = null, CancellationToken ct = default) =>
        First<bool>(await CallAsync("will", [topic, payload.ToArray(), Long(qos), Long(retain)], ct));

    public Task AutoreconnAsync(bool? enable = null, int? periodMs = null, CancellationToken ct = default) => CallAsync("autoreconn", [enable, Long(periodMs)], ct);

    /// <summary>on(cb): true installs the agent's forwarder (events reach this proxy); false removes the callback.</summary>
    public Task OnAsync(bool enable = true, CancellationToken ct = default) => CallAsync("on", [enable], ct);

    public async Task<bool?> ConnectAsync(CancellationToken ct = default) => First<bool>(await CallAsync("connect", [], ct));
    public async Task<bool?> DisconnectAsync(CancellationToken ct = default) => First<bool>(await CallAsync("disconnect", [], ct));

    public async Task<int?> SubscribeAsync(string topic, int? qos = null, CancellationToken ct = default) =>
        Int(await CallAsync("subscribe", [topic, Long(qos)], ct));

    /// <summary>The table form: one SUBSCRIBE per topic on the firmware.</summary>
    public async Task<int?> SubscribeAsync(IReadOnlyDictionary<string, int> topics, CancellationToken ct = default) =>
        Int(await CallAsync("subscribe", [topics.ToDictionary(kv => kv.Key, kv => (object?)(long)kv.Value)], ct));

    public async Task<int?> UnsubscribeAsync(string topic, CancellationToken ct = default) => Int(await CallAsync("unsubscribe", [topic], ct));
    public async Task<int?> UnsubscribeAsync(IReadOnlyList<string> topics, CancellationToken ct = default) => Int(await CallAsync("unsubscribe", [topics.ToArray()], ct));

    /// <summary>Returns the message id (0 for QoS 0), or null when the firmware could not queue the packet.</summary>
    public async Task<int?> PublishAsync(string topic, ReadOnlyMemory<byte> payload, int? qos = null, int? retain = null, CancellationToken ct = default) =>
        Int(await CallAsync("publish", [topic, payload.ToArray(), Long(qos), Long(retain)], ct));

    public Task<int?> PublishAsync(string topic, string payload, int? qos = null, int? retain = null, CancellationToken ct = default) =>
        PublishAsync(topic, System.Text.Encoding.UTF8.GetBytes(payload), qos, retain, ct);

    public Task CloseAsync(CancellationToken ct = default) => CallAsync("close", [], ct);
    public async Task<bool> ReadyAsync(CancellationToken ct = default) => First<bool>(await CallAsync("ready", [], ct)) ?? false;
    public async Task<MqttState> StateAsync(CancellationToken ct = default) => (MqttState)(Int(await CallAsync("state", [], ct)) ?? 0);
    public Task DebugAsync(bool on, CancellationToken ct = default) => CallAsync("debug", [on], ct);

    /// <summary>Waits for conack; a disconnect first means the attempt failed.</summary>
    public async Task<MqttEvent> WaitForConnAckAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var e = await WaitForAsync(e => e.Name is "conack" or "disconnect", timeout, ct);
        return e.Name == "conack" ? e : throw new InvalidOperationException($"mqtt client {Handle} did not connect: {e}");
    }

    /// <summary>The seed's wait-for-sent pattern; a sent that arrived between publish returning and this call is not missed.</summary>
    public Task<MqttEvent> WaitForSentAsync(int messageId, TimeSpan timeout, CancellationToken ct = default) =>
        WaitForAsync(e => e.Name == "sent" && e.MessageId == messageId, timeout, ct);

    /// <summary>The first matching event raised since the last call through this proxy, already received or still to come.</summary>
    public async Task<MqttEvent> WaitForAsync(Func<MqttEvent, bool> match, TimeSpan timeout, CancellationToken ct = default)
    {
        try
        {
            return await _module.MqttEvents.WaitAsync(Handle, Volatile.Read(ref _mark), match, timeout, ct);
        }
        catch (TimeoutException)
        {
            throw new LinkTimeoutException($"no matching event from mqtt client {Handle} within {timeout.TotalSeconds:0.#} s");
        }
    }

    // Trailing nils are dropped so Lua sees the short form of the call (auth() rather than auth(nil, nil, nil, nil)).
    private static object?[] Trim(object?[] args)
    {
        var n = args.Length;
        while (n > 0 && args[n - 1] is null)
            n--;
        return args[..n];
    }

    private static long? Long(int? v) => v;
    private static T? First<T>(object?[] results) where T : struct => results.FirstOrDefault() is T v ? v : null;
    private static int? Int(object?[] results) => results.FirstOrDefault() is long v ? (int)v : null;
}
