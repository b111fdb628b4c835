using System.Collections.Concurrent;

namespace Air780Bridge.Client.Mqtt;

/// <summary>TLS settings for mqtt.create's 4th argument: <c>true</c> (<see cref="NoVerify"/>) or a certificate table.</summary>
public sealed record MqttSsl
{
    /// <summary>ssl=true: TLS without certificate verification.</summary>
    public static MqttSsl NoVerify { get; } = new();

    public byte[]? ServerCert { get; init; }
    public byte[]? ClientCert { get; init; }
    public byte[]? ClientKey { get; init; }
    public byte[]? ClientPassword { get; init; }

    /// <summary>0 none, 1 optional, 2 required (the firmware's default when a table is given).</summary>
    public int? Verify { get; init; }

    internal object ToLua()
    {
        if (ReferenceEquals(this, NoVerify))
            return true;
        var table = new Dictionary<string, object?>();
        if (ServerCert is not null) table["server_cert"] = ServerCert;
        if (ClientCert is not null) table["client_cert"] = ClientCert;
        if (ClientKey is not null) table["client_key"] = ClientKey;
        if (ClientPassword is not null) table["client_password"] = ClientPassword;
        if (Verify is not null) table["verify"] = (long)Verify;
        return table;
    }
}

/// <summary>mqtt.create's 5th argument as a table: ipv6, rxSize, conn_timeout (null = not given).</summary>
public sealed record MqttCreateOptions(bool? Ipv6 = null, int? RxSize = null, int? ConnTimeoutSeconds = null)
{
    internal Dictionary<string, object?> ToLua()
    {
        var table = new Dictionary<string, object?>();
        if (Ipv6 is not null) table["ipv6"] = Ipv6;
        if (RxSize is not null) table["rxSize"] = (long)RxSize;
        if (ConnTimeoutSeconds is not null) table["conn_timeout"] = (long)ConnTimeoutSeconds;
        return table;
    }
}

/// <summary>The module's <c>mqtt</c> library.</summary>
public sealed class ModuleMqtt
{
    private readonly Air780Client _module;
    private readonly ConcurrentDictionary<long, LuatMqttClientProxy> _clients = new();

    internal ModuleMqtt(Air780Client module) => _module = module;

    /// <summary>mqtt.create(adapter, host, port, ssl, opts); null when the firmware returned nil. <paramref name="ipv6"/> is the boolean 5th-argument form.</summary>
    public async Task<LuatMqttClientProxy?> CreateAsync(string host, int port, MqttSsl? ssl = null, MqttCreateOptions? options = null,
        int? adapter = null, bool? ipv6 = null, CancellationToken ct = default)
    {
        if (options is not null && ipv6 is not null)
            throw new ArgumentException("give ipv6 either as the boolean 5th argument or inside options, not both");
        object? fifth = options is not null ? options.ToLua() : ipv6;
        var result = await _module.CallAsync("mqtt.create", [adapter is null ? null : (long)adapter, host, (long)port, ssl?.ToLua(), fifth], ct);
        if (result.FirstOrDefault() is not long handle)
            return null;
        var proxy = new LuatMqttClientProxy(_module, handle);
        _clients[handle] = proxy;
        return proxy;
    }

    /// <summary>A proxy for a handle created earlier (e.g. by another `air780 mqtt` invocation).</summary>
    public LuatMqttClientProxy Attach(long handle) => _clients.GetOrAdd(handle, h => new LuatMqttClientProxy(_module, h));

    /// <summary>The module rebooted: its clients are gone, nobody waiting on one of them will get an event.</summary>
    internal void Rebooted(ModuleRebootedEvent reboot)
    {
        foreach (var handle in _clients.Keys)
            _module.MqttEvents.Fail(handle, new ModuleRebootedException(reboot.OldBootId ?? "", reboot.NewBootId));
    }
}
