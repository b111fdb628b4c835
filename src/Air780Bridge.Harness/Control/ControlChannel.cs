using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Air780Bridge.Harness.Faults;
using Air780Bridge.Harness.Timeline;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Air780Bridge.Harness.Control;

/// <summary>
/// The remote rig's control channel, carried by the embedded broker itself: the live timeline is published on
/// <c>$harness/timeline</c> (one JSON entry per message) and fault commands are read from <c>$harness/fault</c>.
/// Only the authenticated control user may touch <c>$harness/</c>.
/// </summary>
public sealed class ControlChannel
{
    public const string Prefix = "$harness/";
    public const string TimelineTopic = "$harness/timeline";
    public const string FaultTopic = "$harness/fault";
    /// <summary>Retained <see cref="HarnessInfo"/> JSON: endpoints and TLS material for the control user.</summary>
    public const string InfoTopic = "$harness/info";
    /// <summary>A control command that only echoes its token onto the timeline (clock-offset estimate).</summary>
    public const string SyncFault = "sync";

    private readonly MqttServer _server;
    private readonly IFaultControl _faults;
    private readonly Timeline.Timeline _timeline;
    private readonly ConcurrentDictionary<string, bool> _controlClients = new();

    public ControlChannel(MqttServer server, Timeline.Timeline timeline, IFaultControl faults, HarnessInfo info)
    {
        _server = server;
        _timeline = timeline;
        _faults = faults;
        server.InterceptingSubscriptionAsync += OnSubscribe;
        server.InterceptingPublishAsync += OnPublish;
        server.ClientDisconnectedAsync += e => { _controlClients.TryRemove(e.ClientId, out _); return Task.CompletedTask; };
        timeline.Appended += Publish;
        var announcement = new MqttApplicationMessageBuilder().WithTopic(InfoTopic).WithRetainFlag()
            .WithPayload(JsonSerializer.Serialize(info, TimelineJsonContext.Default.HarnessInfo)).Build();
        _ = server.InjectApplicationMessage(new InjectedMqttApplicationMessage(announcement) { SenderClientId = "harness" });
    }

    /// <summary>Called by the broker's connection validation once the control user authenticated.</summary>
    public void Admit(string clientId) => _controlClients[clientId] = true;

    private void Publish(TimelineEntry entry)
    {
        // Never republish the control channel's own traffic: each publication would record another entry, forever.
        if (entry.Topic?.StartsWith(Prefix, StringComparison.Ordinal) == true) return;
        var message = new MqttApplicationMessageBuilder().WithTopic(TimelineTopic).WithPayload(Timeline.Timeline.ToJson(entry)).Build();
        _ = _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = "harness" });
    }

    private Task OnSubscribe(InterceptingSubscriptionEventArgs e)
    {
        if (e.TopicFilter.Topic.StartsWith(Prefix, StringComparison.Ordinal) && !_controlClients.ContainsKey(e.ClientId))
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        }
        return Task.CompletedTask;
    }

    private async Task OnPublish(InterceptingPublishEventArgs e)
    {
        if (!e.ApplicationMessage.Topic.StartsWith(Prefix, StringComparison.Ordinal) || e.ClientId == "harness") return;
        e.ProcessPublish = false;
        if (!_controlClients.ContainsKey(e.ClientId) || e.ApplicationMessage.Topic != FaultTopic) return;
        var json = Encoding.UTF8.GetString(e.ApplicationMessage.Payload);
        try
        {
            var command = JsonSerializer.Deserialize(json, TimelineJsonContext.Default.FaultCommand)
                          ?? throw new ArgumentException("fault command is JSON null");
            if (command.Fault == SyncFault)
                // Echoed with this host's clock so a remote rig can place its own entries on this timeline.
                _timeline.Append(new TimelineEntry { T = TimelineClock.NowUs, Kind = "fault", Type = SyncFault, Detail = command.Token });
            else
                await command.ApplyAsync(_faults);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            // A bad remote command must not take the broker down; it shows up on the timeline the rig is watching.
            _timeline.Append(new TimelineEntry { T = TimelineClock.NowUs, Kind = "fault", Type = "rejected", Detail = $"{json}: {ex.Message}" });
        }
    }
}

/// <summary>What a remote rig needs to point modules at a harness: the plain and TLS endpoints as modules dial
/// them, and the PEM text for mqtt.create (CA; client certificate and key when the harness made them).</summary>
public sealed record HarnessInfo(string Host, int Port, string? TlsHost, int? TlsPort, string? CaPem, string? ClientCertPem, string? ClientKeyPem);
