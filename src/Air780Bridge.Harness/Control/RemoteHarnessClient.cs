using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Air780Bridge.Harness.Faults;
using HarnessTimeline = Air780Bridge.Harness.Timeline.Timeline;
using MQTTnet;
using MQTTnet.Protocol;

namespace Air780Bridge.Harness.Control;

/// <summary>A rig's view of a remote harness: the live timeline and the same fault API, over the control channel.</summary>
public sealed class RemoteHarnessClient : IFaultControl, IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    /// <summary>Every timeline entry the harness publishes; on MQTTnet's receive thread. Spooled to a temporary file
    /// like the harness's own, so following a long remote run does not grow the heap.</summary>
    public HarnessTimeline Timeline { get; } = HarnessTimeline.Spooled();

    /// <summary>The harness's retained announcement; null from a harness that does not publish one.</summary>
    public HarnessInfo? Info { get; private set; }

    private readonly TaskCompletionSource _infoSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Logs in on the harness's TLS port (the control channel is TLS only: the harness refuses the control
    /// user on plain MQTT). The server certificate must chain to <paramref name="caPem"/> (the harness CA, as
    /// `air780 broker --write-ca` writes it); null = the system's trusted roots and the host name.</summary>
    public static async Task<RemoteHarnessClient> ConnectAsync(string host, int port, string user, string password, byte[]? caPem, CancellationToken ct = default)
    {
        using var ca = caPem is null ? null : X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(caPem));
        var remote = new RemoteHarnessClient();
        try
        {
            remote._client.ApplicationMessageReceivedAsync += e =>
            {
                var json = Encoding.UTF8.GetString(e.ApplicationMessage.Payload);
                if (e.ApplicationMessage.Topic == ControlChannel.InfoTopic)
                {
                    remote.Info = JsonSerializer.Deserialize(json, Air780Bridge.Harness.Timeline.TimelineJsonContext.Default.HarnessInfo);
                    remote._infoSeen.TrySetResult();
                }
                else
                    remote.Timeline.Append(HarnessTimeline.FromJson(json));
                return Task.CompletedTask;
            };
            var options = new MqttClientOptionsBuilder().WithTcpServer(host, port).WithCredentials(user, password)
                .WithTlsOptions(tls =>
                {
                    tls.UseTls().WithTargetHost(host);
                    // A pinned harness CA: the chain must end at it. It signs only this harness's certificate, so the chain
                    // is the identity and the name the rig dials (often an address behind NAT) need not be in it.
                    if (ca is not null) tls.WithCertificateValidationHandler(e => ChainsTo(e.Certificate, ca));
                })
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
                .WithClientId($"harness-rig-{Guid.NewGuid():N}").Build();
            MqttClientConnectResult connect;
            try
            {
                connect = await remote._client.ConnectAsync(options, ct);
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException e)
            {
                throw new IOException($"cannot reach the harness at {host}:{port} over TLS ({e.InnerException?.Message ?? e.Message}); is `air780 broker --control-user ...` running there, is this its TLS port, and is the CA the one it wrote (--write-ca)?", e);
            }
            if (connect.ResultCode != MqttClientConnectResultCode.Success)
                throw new InvalidOperationException($"the harness at {host}:{port} refused the control login ({connect.ResultCode}); check the control user and password given to `air780 broker --control-user`");
            var sub = await remote._client.SubscribeAsync(ControlChannel.TimelineTopic, MqttQualityOfServiceLevel.AtLeastOnce, ct);
            if (sub.Items.Single().ResultCode > MQTTnet.MqttClientSubscribeResultCode.GrantedQoS2)
                throw new InvalidOperationException($"the harness at {host}:{port} refused {ControlChannel.TimelineTopic}; '{user}' is not its control user");
            await remote._client.SubscribeAsync(ControlChannel.InfoTopic, MqttQualityOfServiceLevel.AtLeastOnce, ct);
            try
            {
                // The retained announcement arrives with the subscription.
                await remote._infoSeen.Task.WaitAsync(TimeSpan.FromSeconds(5), ct);
            }
            catch (TimeoutException)
            {
                // A harness that publishes none leaves Info null.
            }
            return remote;
        }
        catch
        {
            // A refused or unreachable harness must not leave the client and its timeline spool behind.
            await remote.DisposeAsync();
            throw;
        }
    }

    private static bool ChainsTo(X509Certificate? certificate, X509Certificate2 ca)
    {
        if (certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    private async Task Send(FaultCommand command)
    {
        var json = JsonSerializer.Serialize(command, Air780Bridge.Harness.Timeline.TimelineJsonContext.Default.FaultCommand);
        await _client.PublishStringAsync(ControlChannel.FaultTopic, json, MqttQualityOfServiceLevel.AtLeastOnce);
    }

    public Task DropAsync(string? conn = null) => Send(new("drop", conn));
    public Task BlackholeAsync(TimeSpan duration, string? conn = null) => Send(new("blackhole", conn, (int)duration.TotalMilliseconds));
    public Task DelayAsync(TimeSpan delay, string? conn = null) => Send(new("delay", conn, (int)delay.TotalMilliseconds));
    public Task WithholdAsync(string packetType, string? conn = null) => Send(new("withhold", conn, PacketType: packetType));
    public Task ReleaseAsync(string packetType, string? conn = null) => Send(new("release", conn, PacketType: packetType));
    public Task RefuseConnectionsAsync(TimeSpan duration) => Send(new("refuse", Ms: (int)duration.TotalMilliseconds));
    public Task KickWithDuplicateClientIdAsync(string conn) => Send(new("kick", conn));
    public Task MuteClientAsync(string clientId, bool on) => Send(new(on ? "mute-client" : "unmute-client", ClientId: clientId));
    public Task InjectAsync(string fault, Faults.Server.ServerFaultArgs args, string? conn = null, string? clientId = null) =>
        Send(new(fault, conn, ClientId: clientId, PacketId: args.PacketId, Topic: args.Topic, Size: args.Size, Segment: args.Segment));
    public Task LateConnackAsync(string clientId, TimeSpan? delay) =>
        Send(delay is { } d ? new("late-connack", Ms: (int)d.TotalMilliseconds, ClientId: clientId) : new("prompt-connack", ClientId: clientId));
    public Task RefuseClientAsync(string clientId, int? returnCode) =>
        Send(returnCode is null ? new("accept-client", ClientId: clientId) : new("refuse-client", ClientId: clientId, Code: returnCode));

    /// <summary>
    /// The remote clock minus this one, in microseconds, from the round trip with the smallest delay among
    /// <paramref name="samples"/> sync echoes; <c>Uncertainty</c> is half that round trip.
    /// </summary>
    public async Task<(long OffsetUs, long UncertaintyUs)> MeasureClockOffsetAsync(int samples = 5)
    {
        (long Offset, long Half)? best = null;
        for (var i = 0; i < samples; i++)
        {
            var (sent, remote, back) = await SyncAsync();
            var half = (back - sent) / 2;
            if (best is null || half < best.Value.Half) best = (remote - (sent + half), half);
        }
        return best!.Value;
    }

    /// <summary>
    /// One sync echo: this clock when sent and when back, and the harness's clock in between. The control channel
    /// delivers entries in order, so once it returns every entry the harness recorded before it is in <see cref="Timeline"/>.
    /// </summary>
    public async Task<(long SentUs, long RemoteUs, long BackUs)> SyncAsync()
    {
        var token = Guid.NewGuid().ToString("N");
        var sent = Air780Bridge.Harness.Timeline.TimelineClock.NowUs;
        var echo = Timeline.WaitForAsync(e => e.Type == ControlChannel.SyncFault && e.Detail == token, TimeSpan.FromSeconds(10));
        await Send(new(ControlChannel.SyncFault, Token: token));
        var remote = (await echo).T;
        return (sent, remote, Air780Bridge.Harness.Timeline.TimelineClock.NowUs);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected) await _client.DisconnectAsync();
        _client.Dispose();
        Timeline.Dispose();
    }
}
