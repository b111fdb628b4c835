using System.Net;
using System.Net.Sockets;
using Air780Bridge.Harness.Tap;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Air780Bridge.Harness.Broker;

/// <summary>MQTTnet broker on loopback behind the tap, with a credentials list and CONNACK refusal modes.</summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly HarnessSettings _settings;

    private EmbeddedBroker(MqttServer server, HarnessSettings settings, int port, InProcessUpstream door)
    {
        _server = server;
        _settings = settings;
        Port = port;
        Tap = door;
    }

    internal MqttServer Server => _server;

    /// <summary>Told the client id of each session that logged in as the control user.</summary>
    internal Action<string>? ControlAdmitted { get; set; }

    /// <summary>Loopback port of the broker, for clients that bypass the tap.</summary>
    public int Port { get; }

    /// <summary>The tap's way in: each module connection as an in-process channel, not a second TCP connection.</summary>
    public ITapUpstream Tap { get; }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _dropped = new();

    /// <summary>Messages the broker dropped per receiving client id because that client's queue was full (a slow
    /// subscriber; MQTT lets a server drop QoS 0 this way, and MQTTnet drops from the queue at any QoS).</summary>
    public IReadOnlyDictionary<string, long> Dropped => new Dictionary<string, long>(_dropped);

    /// <summary>Process-wide refusal applied to new connections, changeable at run time; null = accept.</summary>
    public int? RefuseCode { get; set; }

    /// <summary>CONNACK return code per client id (seeded from the settings), changeable at run time.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> RefusedClients { get; } = new();

    public static async Task<EmbeddedBroker> StartAsync(HarnessSettings settings)
    {
        var port = FreeLoopbackPort();
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(port)
            // A subscriber that reads slower than messages arrive loses the oldest queued ones; counted in Dropped.
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropOldestQueuedMessage)
            .Build();
        var factory = new MqttServerFactory();
        var door = new InProcessUpstream(new DnsEndPoint("127.0.0.1", port));
        var server = factory.CreateMqttServer(options, [.. factory.DefaultServerAdapters.Select(create => create(factory)), door]);
        var broker = new EmbeddedBroker(server, settings, port, door) { RefuseCode = settings.RefuseCode };
        foreach (var (clientId, code) in settings.RefuseByClientId) broker.RefusedClients[clientId] = code;
        server.ValidatingConnectionAsync += broker.Validate;
        server.QueuedApplicationMessageOverwrittenAsync += e =>
        {
            broker._dropped.AddOrUpdate(e.ReceiverClientId, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        };
        await server.StartAsync();
        return broker;
    }

    private Task Validate(ValidatingConnectionEventArgs e)
    {
        if (_settings.ControlUser is { } control && e.UserName == control.User)
        {
            if (e.Password == control.Password) ControlAdmitted?.Invoke(e.ClientId);
            else e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            return Task.CompletedTask;
        }
        int? refuse = RefusedClients.TryGetValue(e.ClientId, out var perClient) ? perClient : RefuseCode;
        if (refuse is { } code)
            e.ReasonCode = ToReason(code);
        else if (_settings.Credentials.Count > 0 && !_settings.Credentials.Contains((e.UserName ?? "", e.Password ?? "")))
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
        return Task.CompletedTask;
    }

    /// <summary>Maps an MQTT 3.1.1 CONNACK return code to the MQTTnet reason that the server encodes back to it.</summary>
    public static MqttConnectReasonCode ToReason(int code) => code switch
    {
        1 => MqttConnectReasonCode.UnsupportedProtocolVersion,
        2 => MqttConnectReasonCode.ClientIdentifierNotValid,
        3 => MqttConnectReasonCode.ServerUnavailable,
        4 => MqttConnectReasonCode.BadUserNameOrPassword,
        5 => MqttConnectReasonCode.NotAuthorized,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "CONNACK refusal code must be 1-5 (MQTT 3.1.1)"),
    };

    /// <summary>A loopback port free right now (for a listener started next).</summary>
    public static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        _server.Dispose();
    }
}
