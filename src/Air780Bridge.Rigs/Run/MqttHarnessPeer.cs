using System.Buffers;
using Air780Bridge.Rigs.Conformance;
using MQTTnet;
using MQTTnet.Protocol;

namespace Air780Bridge.Rigs.Run;

/// <summary>A plain MQTTnet client standing in for the other side of a scenario (publisher, will watcher).</summary>
internal sealed class MqttHarnessPeer : IHarnessPeer
{
    private readonly IMqttClient _client;
    private readonly List<(string Topic, byte[] Payload, bool Retain)> _received = [];
    private readonly List<(string Topic, TaskCompletionSource Done)> _waiters = [];
    private readonly Lock _lock = new();

    private MqttHarnessPeer(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var message = e.ApplicationMessage;
            List<TaskCompletionSource> done;
            lock (_lock)
            {
                _received.Add((message.Topic, message.Payload.ToArray(), message.Retain));
                done = _waiters.Where(w => w.Topic == message.Topic).Select(w => w.Done).ToList();
            }
            done.ForEach(d => d.TrySetResult());
            return Task.CompletedTask;
        };
    }

    public static async Task<MqttHarnessPeer> ConnectAsync(string host, int port, string clientId, CancellationToken ct)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var peer = new MqttHarnessPeer(client);
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId(clientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311).Build(), ct);
        return peer;
    }

    public IReadOnlyList<(string Topic, byte[] Payload, bool Retain)> Received
    {
        get { lock (_lock) return _received.ToList(); }
    }

    public Task PublishAsync(string topic, byte[] payload, int qos, bool retain, CancellationToken ct) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)qos).WithRetainFlag(retain).Build(), ct);

    public Task SubscribeAsync(string topic, CancellationToken ct) =>
        _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);

    public async Task<bool> WaitForMessageAsync(string topic, TimeSpan timeout, CancellationToken ct)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_received.Any(m => m.Topic == topic))
                return true;
            _waiters.Add((topic, tcs));
        }
        try
        {
            await tcs.Task.WaitAsync(timeout, ct);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            lock (_lock) _waiters.RemoveAll(w => w.Done == tcs);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
            await _client.DisconnectAsync();
        _client.Dispose();
    }
}
