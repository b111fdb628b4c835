using System.Net;

namespace Air780Bridge.Harness.Broker;

/// <summary>Where the harness listens (Bind*) versus where the module should dial (Public*): the module reaches the
/// harness over cellular, so behind NAT or on a public host the two differ.</summary>
public sealed record HarnessSettings
{
    /// <summary>Address the tap listens on; IPv6Any also accepts IPv4 (dual mode). Loopback unless the user opens
    /// it: a harness reachable from the network must be asked for (a module over cellular needs it).</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;
    /// <summary>Tap port the module connects to; 0 picks a free port.</summary>
    public int Port { get; init; } = 1883;
    /// <summary>Host name or address the module should dial; null = the bind address (loopback if bound to any).</summary>
    public string? PublicHost { get; init; }
    /// <summary>Port the module should dial when a NAT/port forward differs from <see cref="Port"/>.</summary>
    public int? PublicPort { get; init; }
    /// <summary>External broker "host:port" the tap forwards to instead of the embedded broker.</summary>
    public string? Upstream { get; init; }
    /// <summary>Accepted username/password pairs; empty = anonymous allowed.</summary>
    public IReadOnlyList<(string User, string Password)> Credentials { get; init; } = [];
    /// <summary>CONNACK return code (1-5) sent to every client; null = accept.</summary>
    public int? RefuseCode { get; init; }
    /// <summary>TLS tap port (TLS terminated at the tap); null = no TLS endpoint, 0 = a free port.</summary>
    public int? TlsPort { get; init; }
    /// <summary>Require a client certificate signed by the harness CA on the TLS endpoint.</summary>
    public bool MutualTls { get; init; }
    /// <summary>Server certificate, key and (for mutual TLS) client CA as PEM files; null = generate a throwaway CA.</summary>
    public string? TlsCertPem { get; init; }
    public string? TlsKeyPem { get; init; }
    public string? TlsCaPem { get; init; }
    /// <summary>Control user allowed on the reserved <c>$harness/</c> topics (remote rigs); null = no control channel.</summary>
    public (string User, string Password)? ControlUser { get; init; }
    /// <summary>JSON-lines file the timeline is spooled to as it grows; null = a temporary file, deleted afterwards.</summary>
    public string? TimelinePath { get; init; }
    /// <summary>Packet size, CONNECT timeout and connection limits the tap enforces on every peer.</summary>
    public Tap.TapLimits Limits { get; init; } = new();
    /// <summary>CONNACK return code (1-5) per client id.</summary>
    public IReadOnlyDictionary<string, int> RefuseByClientId { get; init; } = new Dictionary<string, int>();
}
