using System.Net;
using Air780Bridge.Harness.Broker;
using MQTTnet;
using MQTTnet.Formatter;

namespace Air780Bridge.Harness.Tests;

internal static class H
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static Task<HarnessBroker> Start(HarnessSettings? settings = null) =>
        HarnessBroker.StartAsync((settings ?? new HarnessSettings()) with { BindAddress = IPAddress.Loopback, Port = 0 });

    public static MqttClientOptionsBuilder Options(HarnessBroker harness, string clientId) =>
        new MqttClientOptionsBuilder().WithTcpServer(harness.Plain.Host, harness.Plain.Port).WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V311).WithTimeout(Timeout);

    public static async Task<IMqttClient> Connect(HarnessBroker harness, string clientId, Action<MqttClientOptionsBuilder>? configure = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = Options(harness, clientId);
        configure?.Invoke(options);
        await client.ConnectAsync(options.Build());
        return client;
    }

    /// <summary>A remote rig's control login: the TLS endpoint, trusting the harness CA.</summary>
    public static Task<Control.RemoteHarnessClient> Remote(HarnessBroker harness, string user = "rig", string password = "secret") =>
        Control.RemoteHarnessClient.ConnectAsync(harness.Tls!.Host, harness.Tls.Port, user, password, harness.Certificates!.CaPem);

    /// <summary>Completes when the client reports its disconnection.</summary>
    public static Task<MqttClientDisconnectedEventArgs> Disconnected(IMqttClient client)
    {
        var tcs = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += e => { tcs.TrySetResult(e); return Task.CompletedTask; };
        return tcs.Task;
    }
}
