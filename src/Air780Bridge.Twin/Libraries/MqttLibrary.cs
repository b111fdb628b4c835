using Air780Bridge.Twin.Mqtt;
using Air780Bridge.Twin.Runtime;
using KeraLua;

namespace Air780Bridge.Twin.Libraries;

/// <summary>
/// mqtt: the Lua binding of the emulated client (<see cref="LuatMqttClient"/>). Converts Lua arguments to its typed
/// calls, raising the argument errors the firmware raises, and its events back into Lua calls.
/// </summary>
internal sealed class MqttLibrary(ILuaHost host) : ILuatLibrary
{
    private readonly Dictionary<long, (LuatMqttClient Engine, LuaRef Table, LuaRef? Callback)> _clients = [];

    public string Name => "mqtt";

    public void Register(LuaBindings bindings)
    {
        bindings.Function("mqtt.create", Create);
        foreach (var name in new[] { "auth", "keepalive", "will", "autoreconn", "on", "connect", "disconnect", "subscribe", "unsubscribe", "publish", "close", "ready", "state", "debug" })
            bindings.Function("mqttclient." + name, a => Call(name, a));
        foreach (var (name, value) in LuatMqttClient.Constants(host.Profile))
            bindings.Constant("mqtt." + name, value);
        // The client object mqtt.create returns (built by the bootstrap) is what the client's events carry.
        bindings.Runtime("bind_client", a =>
        {
            var id = a.CheckInteger(1);
            _clients[id] = _clients[id] with { Table = a.Ref(2) };
            return [];
        });
    }

    public void Reset()
    {
        foreach (var (engine, _, _) in _clients.Values)
            engine.Close();
        _clients.Clear();
    }

    private object?[] Create(LuaArgs a)
    {
        var adapter = a.OptInteger(1);
        var address = a.CheckBytes(2);
        var port = a.CheckInteger(3);
        MqttTlsOptions? tls = a.Type(4) switch
        {
            LuaType.Boolean when a.Truthy(4) => new MqttTlsOptions(null, null, null, null, 0),
            LuaType.Table => Tls(a.Table(4)),
            _ => null,
        };
        bool ipv6 = false;
        long? rxSize = null;
        double? connTimeout = null;
        if (a.Type(5) == LuaType.Boolean)
            ipv6 = a.Truthy(5);
        else if (a.Type(5) == LuaType.Table)
            foreach (var (key, value) in a.Table(5))
                switch (Text(key))
                {
                    case "ipv6" when value is bool b: ipv6 = b; break;
                    case "rxSize" when value is long or double: rxSize = Convert.ToInt64(value); break;
                    case "conn_timeout" when value is long or double: connTimeout = Convert.ToDouble(value); break;
                }
        var engine = LuatMqttClient.Create(host, host.Profile, new MqttCreateArguments(adapter, System.Text.Encoding.UTF8.GetString(address), (int)port, tls, ipv6, rxSize, connTimeout));
        if (engine is null)
            return [];
        var id = host.NextId();
        _clients[id] = (engine, default, null);
        engine.EventSink = e => OnEvent(id, e);
        return [id];
    }

    private static MqttTlsOptions Tls(List<KeyValuePair<object, object?>> table)
    {
        byte[]? Field(string name) => table.FirstOrDefault(kv => Text(kv.Key) == name).Value as byte[];
        var verify = table.FirstOrDefault(kv => Text(kv.Key) == "verify").Value is long v ? (int)v : 2;
        return new MqttTlsOptions(Field("server_cert"), Field("client_cert"), Field("client_key"), Field("client_password"), verify);
    }

    private static string? Text(object? key) => key is byte[] b ? System.Text.Encoding.UTF8.GetString(b) : key as string;

    private void OnEvent(long id, MqttLuaEvent e)
    {
        if (!_clients.TryGetValue(id, out var client))
            return;
        if (e.Kind == "sys")
        {
            if (host.SysPublish is { } publish)
                host.Call(publish, [e.Name, client.Table, .. e.Args]);
        }
        else if (client.Callback is { } cb)
        {
            host.Call(cb, [client.Table, e.Name, .. e.Args]);
        }
    }

    private object?[] Call(string name, LuaArgs a)
    {
        var id = a.ClientId(1);
        if (!_clients.TryGetValue(id, out var client))
            throw new LuaRaise($"twin: mqtt client {id} is gone");
        var engine = client.Engine;
        switch (name)
        {
            case "auth":
                return engine.Auth(a.OptBytes(2), a.OptBytes(3), a.OptBytes(4), a.Boolean(5) is not false);
            case "keepalive":
                return engine.Keepalive(a.OptInteger(2));
            case "will":
                return engine.Will(a.CheckBytes(2), a.OptBytes(3), a.OptInteger(4), a.OptInteger(5));
            case "autoreconn":
                return engine.Autoreconn(a.Boolean(2), a.OptInteger(3));
            case "on":
                if (client.Callback is { } old)
                    host.Release(old);
                var fn = a.FunctionRef(2);
                _clients[id] = client with { Callback = fn };
                engine.HasCallback = fn is not null;
                return [];
            case "connect": return engine.Connect();
            case "disconnect": return engine.Disconnect();
            case "close":
                var closed = engine.Close();
                _clients[id] = client with { Callback = null };
                return closed;
            case "ready": return engine.Ready();
            case "state": return engine.State();
            case "debug":
                try
                {
                    return engine.Debug(a.Truthy(2));
                }
                catch (InvalidOperationException e)
                {
                    throw new LuaRaise("twin: " + e.Message);
                }
            case "subscribe":
                object topics = a.Type(2) switch
                {
                    LuaType.String => a.CheckBytes(2),
                    LuaType.Table => a.Table(2).Where(kv => kv.Key is byte[]).Select(kv => new KeyValuePair<byte[], long>((byte[])kv.Key, kv.Value is long q ? q : 0)).ToList(),
                    _ => new object(),
                };
                return engine.Subscribe(topics, a.OptInteger(3));
            case "unsubscribe":
                object list = a.Type(2) == LuaType.Table
                    ? a.Table(2).Select(kv => kv.Value).OfType<byte[]>().ToList()
                    : a.CheckBytes(2);
                return engine.Unsubscribe(list);
            case "publish":
                var payload = a.Type(3) is LuaType.String or LuaType.Number ? a.CheckBytes(3) : [];
                return engine.Publish(a.CheckBytes(2), payload, a.OptInteger(4), a.OptInteger(5));
            default:
                throw new LuaRaise($"twin: mqttc:{name} is not emulated");
        }
    }
}
