using System.Buffers;
using System.Collections.Concurrent;
using Air780Bridge.Harness;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Harness.Timeline;
using Air780Bridge.Rigs.Conformance;
using MQTTnet;
using MQTTnet.Protocol;

namespace Air780Bridge.Rigs.Run;

/// <summary>
/// The conformance suite's view of a <see cref="HarnessBroker"/>: faults addressed by MQTT client id (the tap
/// addresses connections), and a peer client that talks to the broker behind the tap so its own packets stay
/// off the module's timeline.
/// </summary>
public sealed class HarnessAdapter : IScenarioHarness, IAsyncDisposable
{
    private readonly HarnessBroker _harness;
    private readonly ConcurrentDictionary<string, int> _refusals;
    private readonly Lazy<byte[]> _otherCa = new(() =>
    {
        using var other = HarnessCertificates.Generate();
        return other.CaPem;
    });

    private HarnessAdapter(HarnessBroker harness, ConcurrentDictionary<string, int> refusals)
    {
        _harness = harness;
        _refusals = refusals;
    }

    public HarnessBroker Harness => _harness;

    /// <summary>Starts the harness; per-client-id refusals are read live from a dictionary this adapter owns.</summary>
    public static async Task<HarnessAdapter> StartAsync(HarnessSettings settings)
    {
        var refusals = new ConcurrentDictionary<string, int>();
        var harness = await HarnessBroker.StartAsync(settings with { RefuseByClientId = refusals });
        return new HarnessAdapter(harness, refusals);
    }

    public (string Host, int Port) Plain => (_harness.Plain.Host, _harness.Plain.Port);

    public (string Host, int Port)? Tls => _harness.Tls is { } tls ? (tls.Host, tls.Port) : null;

    public TlsMaterial? TlsMaterial => _harness.Certificates is { } c
        ? new TlsMaterial(c.CaPem, c.ClientCertificatePem, c.ClientKeyPem, _otherCa.Value)
        : null;

    public IReadOnlyList<TimelineEntry> Snapshot() => _harness.Timeline.Snapshot();

    public void Record(TimelineEntry entry) => _harness.Timeline.Append(entry);

    public async Task DropAsync(string clientId, CancellationToken ct)
    {
        foreach (var conn in OpenConnectionsOf(clientId))
            await _harness.DropAsync(conn);
    }

    public IDisposable WithholdAck(string clientId, string packetType)
    {
        var conns = OpenConnectionsOf(clientId);
        foreach (var conn in conns)
            _harness.WithholdAsync(packetType, conn).GetAwaiter().GetResult();
        return new Undo(() =>
        {
            foreach (var conn in conns.Intersect(_harness.OpenConnections))
                _harness.ReleaseAsync(packetType, conn).GetAwaiter().GetResult();
        });
    }

    public IDisposable Refuse(string clientId, int returnCode)
    {
        _refusals[clientId] = returnCode;
        return new Undo(() => _refusals.TryRemove(clientId, out _));
    }

    public SilentEndpoint StartSilentEndpoint() => new();

    public async Task KickWithDuplicateAsync(string clientId, CancellationToken ct)
    {
        var conn = OpenConnectionsOf(clientId).FirstOrDefault()
            ?? throw new ScenarioFailedException($"client id {clientId} has no open connection to kick");
        await _harness.KickWithDuplicateClientIdAsync(conn);
    }

    public async Task<IHarnessPeer> ConnectPeerAsync(string clientId, CancellationToken ct)
    {
        var (host, port) = _harness.Broker is { } broker ? ("127.0.0.1", broker.Port) : Upstream();
        return await Peer.ConnectAsync(host, port, clientId, ct);
    }

    private (string, int) Upstream()
    {
        var upstream = _harness.Settings.Upstream!;
        var colon = upstream.LastIndexOf(':');
        return (upstream[..colon].Trim('[', ']'), int.Parse(upstream[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    // The tap names connections; a client id is known from the CONNECT it recorded.
    private List<string> OpenConnectionsOf(string clientId)
    {
        var open = _harness.OpenConnections.ToHashSet();
        return Snapshot().Where(e => e is { Kind: "packet", Type: "CONNECT" } && e.ClientId == clientId && e.Conn is not null && open.Contains(e.Conn))
            .Select(e => e.Conn!).Distinct().ToList();
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    private sealed class Undo(Action undo) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                undo();
        }
    }

    private sealed class Peer : IHarnessPeer
    {
        private readonly IMqttClient _client;
        private readonly List<(string Topic, byte[] Payload, bool Retain)> _received = [];
        private readonly List<(string Topic, TaskCompletionSource Done)> _waiters = [];
        private readonly Lock _lock = new();

        private Peer(IMqttClient client)
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

        public static async Task<Peer> ConnectAsync(string host, int port, string clientId, CancellationToken ct)
        {
            var client = new MqttClientFactory().CreateMqttClient();
            var peer = new Peer(client);
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
}
