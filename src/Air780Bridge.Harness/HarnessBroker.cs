using System.Text;
using System.Net;
using Air780Bridge.Harness.Broker;
using Air780Bridge.Harness.Control;
using Air780Bridge.Harness.Faults;
using Air780Bridge.Harness.Tap;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness;

/// <summary>
/// The harness tests and rigs use: an embedded MQTTnet broker (or an external upstream) behind a wire tap on a
/// plain and optionally a TLS endpoint, sharing one timeline and one fault API.
/// </summary>
public sealed class HarnessBroker : IFaultControl, IAsyncDisposable
{
    private readonly WireTap _tap;
    private readonly EmbeddedBroker? _broker;
    private readonly Timer? _lossReport;
    private readonly Dictionary<string, long> _reported = new();
    private readonly IDisposable _stalls;

    private HarnessBroker(HarnessSettings settings, EmbeddedBroker? broker, WireTap tap, HarnessCertificates? certificates, Timeline.Timeline timeline)
    {
        Settings = settings;
        _broker = broker;
        _tap = tap;
        Certificates = certificates;
        Timeline = timeline;
        var host = settings.PublicHost ?? (IsAny(settings.BindAddress) ? "127.0.0.1" : settings.BindAddress.ToString());
        Plain = new DnsEndPoint(host, settings.PublicPort ?? tap.Port);
        Tls = certificates is null ? null : new DnsEndPoint(host, tap.TlsPort);
        if (broker is not null) _lossReport = new Timer(_ => ReportLoss(), null, LossReportPeriod, LossReportPeriod);
        _stalls = HostStalls.Watch(timeline);
    }

    /// <summary>How often broker-side drops become "loss" timeline entries (one per client that lost messages).</summary>
    public static readonly TimeSpan LossReportPeriod = TimeSpan.FromSeconds(1);

    /// <summary>Messages the embedded broker dropped to slow subscribers, per client id; empty with an upstream broker.</summary>
    public IReadOnlyDictionary<string, long> Dropped => _broker?.Dropped ?? new Dictionary<string, long>();

    private void ReportLoss()
    {
        lock (_reported)
        {
            foreach (var (clientId, total) in Dropped)
            {
                var since = total - _reported.GetValueOrDefault(clientId);
                if (since <= 0) continue;
                _reported[clientId] = total;
                Timeline.Append(new TimelineEntry { T = TimelineClock.NowUs, Kind = "loss", Type = "dropped", ClientId = clientId, Count = since,
                    Detail = $"the broker dropped {since} queued message(s) to {clientId} ({total} in all): it reads slower than messages arrive" });
            }
        }
    }

    public HarnessSettings Settings { get; }
    public Timeline.Timeline Timeline { get; }
    /// <summary>Host/port the module should dial for plain MQTT.</summary>
    public DnsEndPoint Plain { get; }
    /// <summary>Host/port the module should dial for MQTT over TLS; null without a TLS endpoint.</summary>
    public DnsEndPoint? Tls { get; }
    /// <summary>CA, server and client certificates of the TLS endpoint (PEM bytes for mqtt.create); null without TLS.</summary>
    public HarnessCertificates? Certificates { get; }
    /// <summary>The broker behind the tap (the embedded one on loopback, or the upstream): a client there stays off the timeline.</summary>
    public required DnsEndPoint Backend { get; init; }
    /// <summary>The embedded broker; null when forwarding to an external upstream.</summary>
    public EmbeddedBroker? Broker => _broker;
    /// <summary>Connections the tap closed for breaking its limits, by violation type.</summary>
    public IReadOnlyDictionary<string, long> Violations => _tap.Violations;
    /// <summary>Connection ids open on either endpoint.</summary>
    public IReadOnlyCollection<string> OpenConnections => _tap.OpenConnections;

    /// <summary>Where modules dial and the TLS material for mqtt.create, as a remote rig needs them.</summary>
    public HarnessInfo Info()
    {
        var c = Certificates;
        return new HarnessInfo(Plain.Host, Plain.Port, Tls?.Host, Tls?.Port, c is null ? null : Encoding.ASCII.GetString(c.CaPem),
            c?.Client is null ? null : Encoding.ASCII.GetString(c.ClientCertificatePem), c?.Client is null ? null : Encoding.ASCII.GetString(c.ClientKeyPem));
    }

    public static async Task<HarnessBroker> StartAsync(HarnessSettings settings)
    {
        EmbeddedBroker? broker = null;
        ITapUpstream backend;
        if (settings.Upstream is { } upstream)
        {
            if (settings.ControlUser is not null)
                throw new ArgumentException("the control channel rides on the embedded broker; drop the control user or the upstream");
            var colon = upstream.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(upstream[(colon + 1)..], out var upstreamPort))
                throw new ArgumentException($"upstream '{upstream}' is not host:port; write e.g. test.mosquitto.org:1883");
            backend = new TcpUpstream(upstream[..colon].Trim('[', ']'), upstreamPort);
        }
        else
        {
            broker = await EmbeddedBroker.StartAsync(settings);
            backend = broker.Tap;
        }
        Air780Bridge.Harness.Timeline.Timeline? timeline = null;
        try
        {
            timeline = Air780Bridge.Harness.Timeline.Timeline.Spooled(settings.TimelinePath);
            return Assemble(settings, broker, backend, timeline);
        }
        catch
        {
            timeline?.Dispose();
            // A taken port or a bad PEM file must not leave the embedded broker running.
            if (broker is not null) await broker.DisposeAsync();
            throw;
        }
    }

    private static HarnessBroker Assemble(HarnessSettings settings, EmbeddedBroker? broker, ITapUpstream backend, Timeline.Timeline timeline)
    {
        HarnessCertificates? certificates = null;
        // The control channel is TLS only (its password and $harness/info's client key must not cross in clear).
        if (settings.ControlUser is not null && settings.TlsPort is null) settings = settings with { TlsPort = 0 };
        if (settings.TlsPort is not null)
            certificates = settings.TlsCertPem is null ? HarnessCertificates.Generate(settings.PublicHost)
                : HarnessCertificates.LoadPem(settings.TlsCertPem, settings.TlsKeyPem ?? throw new ArgumentException("TlsCertPem needs TlsKeyPem (the private key PEM file)"), settings.TlsCaPem);
        var tls = certificates is null ? null : new TapTls(certificates.Server, settings.MutualTls ? certificates.Ca : null);
        var tap = new WireTap(settings.BindAddress, settings.Port, backend, timeline, tls, settings.TlsPort ?? 0, settings.Limits)
        {
            UntracedUser = settings.ControlUser?.User,
            KickCredentials = settings.Credentials.Count > 0 ? settings.Credentials[0] : null,
        };
        var harness = new HarnessBroker(settings, broker, tap, certificates, timeline) { Backend = backend.Address };
        if (broker is not null && settings.ControlUser is not null)
        {
            var channel = new ControlChannel(broker.Server, timeline, harness, harness.Info());
            broker.ControlAdmitted = channel.Admit;
        }
        return harness;
    }

    private static bool IsAny(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    public Task DropAsync(string? conn = null) => _tap.DropAsync(conn);
    public Task BlackholeAsync(TimeSpan duration, string? conn = null) => _tap.BlackholeAsync(duration, conn);
    public Task DelayAsync(TimeSpan delay, string? conn = null) => _tap.DelayAsync(delay, conn);
    public Task WithholdAsync(string packetType, string? conn = null) => _tap.WithholdAsync(packetType, conn);
    public Task ReleaseAsync(string packetType, string? conn = null) => _tap.ReleaseAsync(packetType, conn);
    public Task RefuseConnectionsAsync(TimeSpan duration) => _tap.RefuseConnectionsAsync(duration);
    public Task KickWithDuplicateClientIdAsync(string conn) => _tap.KickWithDuplicateClientIdAsync(conn);

    public Task MuteClientAsync(string clientId, bool on) => _tap.MuteClientAsync(clientId, on);
    public Task InjectAsync(string fault, Faults.Server.ServerFaultArgs args, string? conn = null, string? clientId = null) => _tap.InjectAsync(fault, args, conn, clientId);
    public Task LateConnackAsync(string clientId, TimeSpan? delay) => _tap.LateConnackAsync(clientId, delay);

    public Task RefuseClientAsync(string clientId, int? returnCode)
    {
        var broker = _broker ?? throw new InvalidOperationException("refusing one client id needs the embedded broker; an upstream broker writes its own CONNACKs");
        if (returnCode is { } code)
        {
            _ = EmbeddedBroker.ToReason(code); // validates 1-5 before anything changes
            broker.RefusedClients[clientId] = code;
            _tap.RecordFault("refuse-client", null, $"{clientId}: CONNACK {code}");
        }
        else
        {
            broker.RefusedClients.TryRemove(clientId, out _);
            _tap.RecordFault("accept-client", null, clientId);
        }
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_lossReport is not null) await _lossReport.DisposeAsync();
        ReportLoss();
        _stalls.Dispose();
        await _tap.DisposeAsync();
        if (_broker is not null) await _broker.DisposeAsync();
        Certificates?.Dispose();
        Timeline.Dispose();
    }
}
