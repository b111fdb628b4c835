namespace Air780Bridge.Twin.Mqtt;

/// <summary>
/// Emulates one LuatOS mqtt client (components/network/libemqtt) as /work/shared/reference/luatos-mqtt-behaviour.md
/// describes it, over real sockets. Hand-written rather than built on an MQTT client library: the firmware's
/// quirks (no retransmission, DUP never set, ping regardless of traffic, no PINGRESP timeout, no QoS2
/// de-duplication) are what is being reproduced, and no client library behaves that way.
/// Methods return Lua return lists: empty = nothing; values are null, bool, long, double or byte[] (a Lua string).
/// Threading: Lua-thread calls, timer callbacks (Lua thread) and socket callbacks (network threads) all take
/// one lock; state changes are synchronous, events reach Lua later through the bus, as on the module.
/// </summary>
public sealed class LuatMqttClient
{
    public const int StateDisconnect = 0, StateSconnect = 1, StateMqtt = 2, StateReady = 3;
    public const int DefaultKeepaliveSeconds = 240, DefaultReconnectPeriodMs = 3000, DefaultConnTimeoutSeconds = 30;
    /// <summary>Error codes of the defensive parser (V1118+/V2020+), reported as "error","connect",code.</summary>
    public const int ErrorConnackWhileReady = 95, ErrorPacketBeforeReady = 96, ErrorPublishQos3 = 98, ErrorBadLength = 99, ErrorTruncated = 100;
    /// <summary>error_state after the broker sent DISCONNECT.</summary>
    public const int DisconnectByBroker = -2;
    const int MaxHostLength = 192, MaxIdLength = 192, MaxUserLength = 192, MaxPasswordLength = 512;
    const int AdapterCount = 8; // NW_ADAPTER_QTY of the EC618/EC7xx builds

    static readonly object?[] Nothing = [];

    readonly IModuleBus _bus;
    readonly MqttCreateArguments _options;
    readonly MqttTlsSettings? _tls;
    readonly object _gate = new();
    readonly IModuleTimer _reconnectTimer, _pingTimer, _connTimer;
    readonly IMqttWire _wire;

    volatile MqttConnection? _connection;
    int _session; // bumped at every socket close so late callbacks from an old socket are ignored
    byte[]? _rx;
    int _rxUsed;
    int _state;
    int _errorState;
    bool _closed;
    MqttWill? _will;
    int _seq;

    LuatMqttClient(IModuleBus bus, FirmwareProfile profile, MqttCreateArguments options, MqttTlsSettings? tls)
    {
        _bus = bus;
        Profile = profile;
        _options = options;
        _tls = tls;
        _reconnectTimer = bus.CreateTimer(OnReconnectTimer);
        _pingTimer = bus.CreateTimer(OnPingTimer);
        _connTimer = bus.CreateTimer(OnConnTimer);
        _wire = PlantedDefects.Plant(new FirmwareWire(id => PostCallback("sent", (long)id)), profile.Defects);
        ConnTimeoutSeconds = options.ConnTimeoutSeconds is { } s ? (int)Math.Clamp(s, 5, 120) : DefaultConnTimeoutSeconds;
        // rxSize sets rxbuff_size, the read limit (the buffer itself gets 4 bytes more); the default limit is 32772.
        RxBufferSize = options.RxSize is > 0 ? (int)Math.Min(options.RxSize.Value, int.MaxValue - 4) : profile.RxBufferDefault;
    }

    public FirmwareProfile Profile { get; }
    /// <summary>Set by the binding when on() registers (true) or clears (false) a Lua function.</summary>
    public bool HasCallback { get; set; }
    /// <summary>Receives every event on the Lua thread (posted through the bus); never called after Close().</summary>
    public Action<MqttLuaEvent>? EventSink { get; set; }
    public bool DebugEnabled { get; private set; }
    public int KeepaliveSeconds { get; private set; } = DefaultKeepaliveSeconds;
    public bool AutoReconnect { get; private set; }
    public int ReconnectPeriodMs { get; private set; }
    /// <summary>conn_timeout after clamping to [5,120]; only used when the profile has ConnTimeout.</summary>
    public int ConnTimeoutSeconds { get; }
    /// <summary>rxbuff_size: rxSize, or 32772 by default (luat_mqtt_client.c luat_mqtt_read_packet's limit); allocated at the first connect() and never resized.</summary>
    public int RxBufferSize { get; }
    /// <summary>PINGREQ period: keepalive*1000*3/4 ms in integer math (<see cref="FirmwareWire"/>).</summary>
    public int PingPeriodMs => _wire.PingPeriodMs(KeepaliveSeconds);
    /// <summary>The next message id (broker.seq): 0 until auth() is called, then 1.</summary>
    public int NextMessageId { get { lock (_gate) return _seq; } }
    public bool IsClosed { get { lock (_gate) return _closed; } }
    public byte[] ClientId { get; private set; } = [];
    public byte[] Username { get; private set; } = [];
    public byte[] Password { get; private set; } = [];
    /// <summary>False until auth() sets it: the zero-filled struct sends clean_session 0.</summary>
    public bool CleanSession { get; private set; }

    /// <summary>mqtt.create: null exactly where the firmware returns nil (bad adapter, host ≥192 chars, bad certificate).</summary>
    public static LuatMqttClient? Create(IModuleBus bus, FirmwareProfile profile, MqttCreateArguments options)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Adapter is < 0 or >= AdapterCount) return null;
        if (options.Host.Length >= MaxHostLength) return null;
        MqttTlsSettings? tls = null;
        if (options.Tls is { } t && (tls = MqttTlsSettings.TryCreate(t)) is null) return null;
        return new LuatMqttClient(bus, profile, options, tls);
    }

    /// <summary>The STATE_* and (V1118+/V2018+) VERIFY_* constants of the mqtt table.</summary>
    public static IReadOnlyDictionary<string, long> Constants(FirmwareProfile profile)
    {
        var map = new Dictionary<string, long>
        {
            ["STATE_DISCONNECT"] = StateDisconnect, ["STATE_SCONNECT"] = StateSconnect,
            ["STATE_MQTT"] = StateMqtt, ["STATE_READY"] = StateReady,
        };
        if (profile.VerifyConstants)
        {
            map["VERIFY_NONE"] = 0;
            map["VERIFY_OPTION"] = 1;
            map["VERIFY_REQUIRED"] = 2;
        }
        return map;
    }

    // ---------------------------------------------------------------- configuration (§2)

    public object?[] Auth(byte[]? clientId, byte[]? username, byte[]? password, bool cleanSession)
    {
        clientId ??= [];
        username ??= [];
        password ??= [];
        lock (_gate)
        {
            if (Profile.AuthReturnsTrue &&
                (clientId.Length >= MaxIdLength || username.Length >= MaxUserLength || password.Length >= MaxPasswordLength))
                return Nothing;
            ClientId = clientId;
            Username = username;
            Password = password;
            CleanSession = cleanSession;
            _seq = 1;
            return Profile.AuthReturnsTrue ? [true] : Nothing;
        }
    }

    public object?[] Keepalive(long? seconds)
    {
        KeepaliveSeconds = (int)Math.Clamp(seconds ?? DefaultKeepaliveSeconds, 15, 600);
        return Nothing;
    }

    public object?[] Will(byte[] topic, byte[]? payload, long? qos, long? retain)
    {
        lock (_gate)
        {
            if (_closed) return [false];
            var q = qos is >= 0 and <= 2 ? (int)qos.Value : 0;
            _will = new MqttWill(topic, payload ?? [], q, (retain ?? 0) != 0);
            return [true];
        }
    }

    public object?[] Autoreconn(bool? enable, long? periodMs)
    {
        if (enable is { } e) AutoReconnect = e;
        var period = periodMs ?? DefaultReconnectPeriodMs;
        if (AutoReconnect && period < 1000) period = 1000;
        ReconnectPeriodMs = (int)Math.Clamp(period, int.MinValue, int.MaxValue);
        return Nothing;
    }

    public object?[] Debug(bool on)
    {
        lock (_gate)
            if (_closed)
                throw new InvalidOperationException("mqtt debug() after close(): the firmware dereferences a released network ctrl and crashes; create a new client instead.");
        DebugEnabled = on;
        return Nothing;
    }

    public object?[] Ready() { lock (_gate) return [_state == StateReady]; }

    public object?[] State() { lock (_gate) return [(long)_state]; }

    // ---------------------------------------------------------------- connection (§3, §8, §9)

    public object?[] Connect()
    {
        lock (_gate)
        {
            if (_closed) return [false];
            if (_state != StateDisconnect)
            {
                if (Profile.NetworkConnectErrorsPropagate)
                {
                    CloseSocket();
                    return [false];
                }
                // Legacy: the refusal is masked; the state is overwritten while the TCP session stays up.
                _errorState = 0;
                _state = StateSconnect;
                StartConnTimer();
                return [true];
            }
            StartConnect();
            return [true];
        }
    }

    public object?[] Disconnect()
    {
        DrainReceived();
        lock (_gate)
        {
            if (_connection is not null) SendPacket(MqttCodec.EncodeDisconnect());
            CloseSocket();
            return [true];
        }
    }

    public object?[] Close()
    {
        DrainReceived();
        lock (_gate)
        {
            if (_closed) return Nothing;
            if (_connection is not null) SendPacket(MqttCodec.EncodeDisconnect());
            CloseSocket();
            _closed = true;
            HasCallback = false;
            _reconnectTimer.Dispose();
            _pingTimer.Dispose();
            _connTimer.Dispose();
            _rx = null;
            return Nothing;
        }
    }

    /// <summary>
    /// On the module the network callback (luat_mqtt_client.c luat_mqtt_callback, run by the adapter task) handles a
    /// packet as soon as it arrives, ahead of the Lua task; a PUBREC that reached the socket before the Lua call to
    /// disconnect()/close() is answered with PUBREL first. The twin's reads run on pool threads that can lag under
    /// load, so these calls first let the read side catch up with what the socket already holds (bounded).
    /// </summary>
    void DrainReceived() => _connection?.WaitReceiveIdle(TimeSpan.FromMilliseconds(200));

    // ---------------------------------------------------------------- publish / subscribe (§5)

    public object?[] Publish(byte[] topic, byte[] payload, long? qos, long? retain)
    {
        lock (_gate)
        {
            if (_closed) return Nothing;
            var q = qos ?? 0;
            var id = q is 1 or 2 ? TakeMessageId() : 0;
            var packet = MqttCodec.EncodePublish(CString(topic), payload, q is 1 or 2 ? (int)q : 0, (retain ?? 0) != 0, id);
            if (!SendPacket(packet)) return Nothing;
            if (q == 0) PostCallback("sent", (long)id);
            return [(long)id];
        }
    }

    public object?[] Subscribe(object topicOrTable, long? qos)
    {
        lock (_gate)
        {
            if (_closed) return Nothing;
            var entries = topicOrTable switch
            {
                byte[] topic => [new KeyValuePair<byte[], long>(topic, qos ?? 0)],
                IReadOnlyList<KeyValuePair<byte[], long>> table => table,
                _ => null,
            };
            if (entries is null) return [0L];
            long last = 0;
            var packets = new List<byte[]>();
            foreach (var (topic, q) in entries)
            {
                last = TakeMessageId();
                packets.Add(MqttCodec.EncodeSubscribe((int)last, CString(topic), q is >= 0 and <= 2 ? (int)q : 0, Profile.SubscribeMultiByteLength));
            }
            return SendBackToBack(packets) ? [last] : Nothing;
        }
    }

    public object?[] Unsubscribe(object topicOrList)
    {
        lock (_gate)
        {
            if (_closed) return Nothing;
            switch (topicOrList)
            {
                case byte[] topic:
                {
                    var id = TakeMessageId();
                    return SendPacket(MqttCodec.EncodeUnsubscribe(id, CString(topic), Profile.SubscribeMultiByteLength)) ? [(long)id] : Nothing;
                }
                case IReadOnlyList<byte[]> topics:
                {
                    long last = 0;
                    var packets = new List<byte[]>();
                    foreach (var topic in topics)
                    {
                        last = TakeMessageId();
                        packets.Add(MqttCodec.EncodeUnsubscribe((int)last, CString(topic), Profile.SubscribeMultiByteLength));
                    }
                    var sent = SendBackToBack(packets);
                    // Before the 2026-02-14 fix the accumulator started at 0 and the table form always returned nil.
                    return !sent || !Profile.UnsubscribeTableReturnFixed ? [null] : [last];
                }
                default:
                    // The reference does not describe a non-string non-table argument; nothing is sent.
                    return Nothing;
            }
        }
    }

    // ---------------------------------------------------------------- internals (caller holds _gate)

    int TakeMessageId()
    {
        var id = _seq;
        _seq = (_seq + 1) & 0xFFFF;
        if (_seq == 0 && Profile.MessageIdSkipsZero) _seq = 1;
        return id;
    }

    /// <summary>Topics go through luaL_checkstring as C strings: an embedded NUL truncates them.</summary>
    static byte[] CString(byte[] value)
    {
        var nul = Array.IndexOf(value, (byte)0);
        return nul < 0 ? value : value[..nul];
    }

    void StartConnect()
    {
        _errorState = 0;
        _rx ??= new byte[RxBufferSize];
        _rxUsed = 0;
        _state = StateSconnect;
        StartConnTimer();
        var session = _session;
        var host = _options.Host;
        _ = Task.Run(async () =>
        {
            MqttConnection connection;
            try
            {
                connection = await MqttConnection.OpenAsync(host, _options.Port, _tls, _options.Ipv6, CancellationToken.None);
            }
            catch (Exception)
            {
                // DNS, TCP and TLS failures all arrive as one failed network result, as in the firmware.
                OnConnectFailed(session);
                return;
            }
            OnConnected(session, connection);
        });
    }

    void StartConnTimer()
    {
        if (Profile.ConnTimeout) _connTimer.Start(ConnTimeoutSeconds * 1000, repeat: false);
    }

    void OnConnectFailed(int session)
    {
        lock (_gate)
        {
            if (session != _session || _closed) return;
            PostError("connect", 0);
            CloseSocket();
        }
    }

    void OnConnected(int session, MqttConnection connection)
    {
        lock (_gate)
        {
            if (session != _session || _closed)
            {
                connection.Dispose();
                return;
            }
            _connection = connection;
            _state = StateMqtt;
            var connect = MqttCodec.EncodeConnect(ClientId, Username, Password, CleanSession, KeepaliveSeconds, _will);
            if (!SendPacket(connect)) return;
            if (!Profile.ConnTimeout) _pingTimer.Start(PingPeriodMs, repeat: true);
        }
        _ = connection.ReadLoopAsync(chunk => OnChunk(session, chunk), () => OnRemoteClosed(session));
    }

    void OnRemoteClosed(int session)
    {
        lock (_gate)
        {
            if (session != _session || _closed) return;
            PostError("other", 0);
            CloseSocket();
        }
    }

    /// <summary>luat_mqtt_read_packet + mqtt_parse: the limit checks come before reading, parsing after each read.</summary>
    void OnChunk(int session, byte[] chunk)
    {
        lock (_gate)
        {
            if (session != _session || _closed || _rx is null) return;
            if (_rxUsed >= RxBufferSize || chunk.Length > RxBufferSize - _rxUsed)
            {
                CloseSocket(); // "buff is FULL" / "too many data": disconnect(0), no error event
                return;
            }
            chunk.CopyTo(_rx, _rxUsed);
            _rxUsed += chunk.Length;
            while (session == _session && _rxUsed > 0)
            {
                var length = MqttCodec.FrameLength(_rx.AsSpan(0, _rxUsed));
                if (length == 0) return; // incomplete (or a malformed length that looks incomplete): wait for more
                var packet = _rx.AsSpan(0, (int)length).ToArray();
                _rx.AsSpan((int)length, _rxUsed - (int)length).CopyTo(_rx);
                _rxUsed -= (int)length;
                HandlePacket(packet);
            }
        }
    }

    void HandlePacket(byte[] packet)
    {
        var type = (byte)(packet[0] & 0xF0);
        if (Profile.DefensiveParsing)
        {
            if (type == MqttCodec.Connack && _state == StateReady) { ProtocolError(ErrorConnackWhileReady); return; }
            if (type != MqttCodec.Connack && _state != StateReady) { ProtocolError(ErrorPacketBeforeReady); return; }
        }
        switch (type)
        {
            case MqttCodec.Connack:
                HandleConnack(packet);
                break;
            case MqttCodec.Publish:
                HandlePublish(packet);
                break;
            case MqttCodec.Puback:
            case MqttCodec.Pubcomp:
                _wire.Acknowledged(packet);
                break;
            case MqttCodec.Pubrec:
                if (MqttCodec.ReadMessageId(packet) is var rec and >= 0) SendPacket(MqttCodec.EncodeAck(MqttCodec.Pubrel | 0x02, rec));
                break;
            case MqttCodec.Pubrel:
                if (MqttCodec.ReadMessageId(packet) is var rel and >= 0) SendPacket(MqttCodec.EncodeAck(MqttCodec.Pubcomp, rel));
                break;
            case MqttCodec.Suback:
                // Only the first return code byte is reported; the SUBACK's message id is not.
                if (Profile.ErrorAndAckEvents && packet.Length > 4) PostCallback("suback", packet[4] <= 2, (long)packet[4]);
                break;
            case MqttCodec.Unsuback:
                if (Profile.ErrorAndAckEvents) PostCallback("unsuback");
                break;
            case MqttCodec.Pingresp:
                if (Profile.PongEvent)
                {
                    PostCallback("pong");
                    PostSysIfCallback("MQTT_PONG");
                }
                break;
            case MqttCodec.Disconnect:
                // The broker closes the socket next; the disconnect event then carries -2.
                _errorState = DisconnectByBroker;
                break;
        }
    }

    void HandleConnack(byte[] packet)
    {
        var rc = packet.Length > 3 ? packet[3] : 0;
        if (rc != 0)
        {
            _errorState = rc;
            CloseSocket();
            PostError("conack", rc);
            return;
        }
        _state = StateReady;
        // Timers first: whoever sees the conack event (Lua, a test) sees the ping timer running.
        _reconnectTimer.Stop();
        _connTimer.Stop();
        _pingTimer.Start(PingPeriodMs, repeat: true);
        PostCallback("conack");
        if (Profile.SysPubConnackDisconnect) PostSys("MQTT_CONNACK");
    }

    void HandlePublish(byte[] packet)
    {
        var qos = (packet[0] >> 1) & 3;
        if (qos == 3 && Profile.DefensiveParsing) { ProtocolError(ErrorPublishQos3); return; }
        var code = MqttCodec.ParsePublish(packet, out var message);
        if (code != 0)
        {
            if (Profile.DefensiveParsing) ProtocolError(code);
            return; // legacy firmware has no length checks; the twin drops what it cannot split
        }
        Dictionary<string, object?> metas = Profile.ErrorAndAckEvents
            ? new() { ["message_id"] = (long)message.MessageId, ["qos"] = (long)message.Qos, ["retain"] = message.Retain ? 1L : 0L, ["dup"] = message.Dup ? 1L : 0L }
            : new() { ["qos"] = (long)message.Qos, ["retain"] = message.Retain ? 1L : 0L, ["dup"] = message.Dup ? 8L : 0L };
        PostCallback("recv", message.Topic, message.Payload, metas);
        if (message.Qos == 1) SendPacket(MqttCodec.EncodeAck(MqttCodec.Puback, message.MessageId));
        else if (message.Qos == 2) SendPacket(MqttCodec.EncodeAck(MqttCodec.Pubrec, message.MessageId));
    }

    /// <summary>Defensive-parsing failure: disconnect -> (close) -> error("connect", code).</summary>
    void ProtocolError(int code)
    {
        CloseSocket();
        PostError("connect", code);
    }

    /// <summary>
    /// The packets of one table subscribe()/unsubscribe() call: luat_lib_mqtt.c loops mqtt_subscribe/mqtt_unsubscribe
    /// inside the one Lua call, each network_tx only queues (lwIP), so they leave back to back before any ack can be
    /// read; one write reproduces that. A failed write fails them all (the firmware's ret &amp;= ... then closes).
    /// </summary>
    bool SendBackToBack(IReadOnlyList<byte[]> packets) => packets.Count == 0 || SendPacket([.. packets.SelectMany(p => p)]);

    /// <summary>luat_mqtt_send_packet: a failed send closes the socket (state ≠ 0 => disconnect event).</summary>
    bool SendPacket(byte[] packet)
    {
        if (_connection is { } connection && _wire.Send(connection, packet)) return true;
        CloseSocket();
        return false;
    }

    /// <summary>luat_mqtt_close_socket: does nothing when already disconnected.</summary>
    void CloseSocket()
    {
        if (_state == StateDisconnect) return;
        _state = StateDisconnect;
        _rxUsed = 0;
        _pingTimer.Stop();
        _connTimer.Stop();
        _session++;
        _connection?.Dispose();
        _connection = null;
        object code = Profile.DisconnectCodeInteger ? (long)_errorState : (object)(double)_errorState;
        PostCallback("disconnect", code);
        if (Profile.SysPubConnackDisconnect) PostSys("MQTT_DISCONNECT", code);
        if (AutoReconnect) _reconnectTimer.Start(ReconnectPeriodMs, repeat: false);
        else PostCallback("close");
    }

    void OnReconnectTimer()
    {
        lock (_gate)
        {
            if (_closed) return;
            // luat_mqtt_reconnect forces state 0 and connects afresh, whatever socket might still exist.
            _session++;
            _connection?.Dispose();
            _connection = null;
            _state = StateDisconnect;
            StartConnect();
        }
    }

    void OnPingTimer()
    {
        lock (_gate)
        {
            if (_closed || _connection is null) return;
            SendPacket(MqttCodec.EncodePingreq());
        }
    }

    void OnConnTimer()
    {
        lock (_gate)
        {
            if (_closed || _state is StateDisconnect or StateReady) return;
            PostError("timeout", 0);
            CloseSocket();
        }
    }

    void PostError(string kind, int code)
    {
        if (Profile.ErrorAndAckEvents) PostCallback("error", System.Text.Encoding.ASCII.GetBytes(kind), (long)code);
    }

    void PostCallback(string name, params object?[] args) => Post(new MqttLuaEvent("callback", name, args));

    void PostSys(string name, params object?[] args) => Post(new MqttLuaEvent("sys", name, args));

    /// <summary>sys_pub("MQTT_PONG") is only issued when an on() callback exists at dispatch time.</summary>
    void PostSysIfCallback(string name)
    {
        var ev = new MqttLuaEvent("sys", name, []);
        _bus.Post(() =>
        {
            if (!_closed && HasCallback) EventSink?.Invoke(ev);
        });
    }

    /// <summary>Events are checked at dispatch: close() drops the callback before queued events run.</summary>
    void Post(MqttLuaEvent ev) => _bus.Post(() =>
    {
        if (!_closed) EventSink?.Invoke(ev);
    });
}
