namespace Air780Bridge.Firmware;

/// <summary>
/// One firmware build of the module: which behaviour the twin reproduces. Flags follow the version matrix
/// (§0) and per-section notes of /work/shared/reference/luatos-mqtt-behaviour.md; each flag names the change
/// that introduced the behaviour so a new build is described by picking its side of each change.
/// </summary>
public sealed record FirmwareProfile
{
    /// <summary>Lookup name, e.g. "air780e-v1120".</summary>
    public required string Name { get; init; }
    /// <summary>Module model, e.g. "Air780E".</summary>
    public required string Model { get; init; }
    /// <summary>rtos.bsp() result.</summary>
    public required string Bsp { get; init; }
    /// <summary>rtos.version() result.</summary>
    public required string RtosVersion { get; init; }

    // --- mqtt (libemqtt) ---

    /// <summary>2026-02-14: the message-id counter skips 0 on wrap (false: 65535 -> 0).</summary>
    public required bool MessageIdSkipsZero { get; init; }
    /// <summary>2026-02-14: unsubscribe(table) returns true + id (false: legacy return list).</summary>
    public required bool UnsubscribeTableReturnFixed { get; init; }
    /// <summary>2026-02-14: SUBSCRIBE/UNSUBSCRIBE use a multi-byte remaining length (false: one byte, legacy).</summary>
    public required bool SubscribeMultiByteLength { get; init; }
    /// <summary>2026-02-14: inbound topic offsets parsed as uint16 (false: 8-bit offset bug, legacy).</summary>
    public required bool TopicOffset16Bit { get; init; }
    /// <summary>2026-02-14: network_connect errors propagate; connect() on an open client fails (false: masked, returns true).</summary>
    public required bool NetworkConnectErrorsPropagate { get; init; }
    /// <summary>2025-07-28: "error" event, "suback"(ok, code), "unsuback", metas.message_id, dup 0/1 from stored flags.</summary>
    public required bool ErrorAndAckEvents { get; init; }
    /// <summary>2025-07-28: sys_pub("MQTT_CONNACK") / sys_pub("MQTT_DISCONNECT") removed (true = still published, legacy).</summary>
    public required bool SysPubConnackDisconnect { get; init; }
    /// <summary>2024-09-25: "pong" event + sys_pub("MQTT_PONG").</summary>
    public required bool PongEvent { get; init; }
    /// <summary>2025-03-26: "disconnect" code pushed as an integer (false: a float).</summary>
    public required bool DisconnectCodeInteger { get; init; }
    /// <summary>2025-09-10: conn_timeout option + "error","timeout"; ping timer started at CONNACK (false: after CONNECT).</summary>
    public required bool ConnTimeout { get; init; }
    /// <summary>2025-12-19: defensive parsing drops the connection on protocol violations (errors 95-100).</summary>
    public required bool DefensiveParsing { get; init; }
    /// <summary>2025-03-19: auth() returns true and checks lengths (false: returns nothing).</summary>
    public required bool AuthReturnsTrue { get; init; }
    /// <summary>2025-09-22: mqtt.VERIFY_NONE/OPTION/REQUIRED constants exist.</summary>
    public required bool VerifyConstants { get; init; }
    /// <summary>Default rx buffer (MQTT_RECV_BUF_LEN_MAX + 4).</summary>
    public int RxBufferDefault { get; init; } = 32772;

    // --- other libraries (read by the runtime) ---

    /// <summary>2025-06-09: sys.waitMsg/sendMsg/taskInitEx inside sys.</summary>
    public required bool SysWaitMsg { get; init; }
    /// <summary>uart.setup buffer clamp maximum for the VUART (§10).</summary>
    public required int VuartBufferMax { get; init; }
    /// <summary>json.encode escapes "/" (removed 2026-01-04).</summary>
    public required bool JsonEscapesSlash { get; init; }
    /// <summary>rtos.version(true) also returns the firmware type number and VM bits (builds after 2025-12-23).</summary>
    public required bool RtosVersionDetails { get; init; }

    // --- planted defects: not firmware behaviour ---

    /// <summary>Defects planted on purpose so a run shows what a misbehaving module looks like; empty for every
    /// real firmware build.</summary>
    public IReadOnlySet<TwinDefect> Defects { get; init; } = new HashSet<TwinDefect>();

    /// <summary>Latest EC618 release (2026-01-29): has everything up to 2025-12-19, none of the 2026-02-14 fixes.</summary>
    public static readonly FirmwareProfile Air780eV1120 = new()
    {
        Name = "air780e-v1120", Model = "Air780E", Bsp = "EC618", RtosVersion = "V1120",
        MessageIdSkipsZero = false, UnsubscribeTableReturnFixed = false, SubscribeMultiByteLength = false,
        TopicOffset16Bit = false, NetworkConnectErrorsPropagate = false, ErrorAndAckEvents = true,
        SysPubConnackDisconnect = false, PongEvent = true, DisconnectCodeInteger = true, ConnTimeout = true,
        DefensiveParsing = true, AuthReturnsTrue = true, VerifyConstants = true,
        SysWaitMsg = true, VuartBufferMax = 8192, JsonEscapesSlash = false, RtosVersionDetails = true,
    };

    /// <summary>
    /// Latest EC7xx release (2026-03-10): everything in the matrix. Bsp "EC718P" is a best guess (the reference
    /// only names "EC618"); Air780EP is built on the EC718P SoC.
    /// </summary>
    public static readonly FirmwareProfile Air780epV2028 = new()
    {
        Name = "air780ep-v2028", Model = "Air780EP", Bsp = "EC718P", RtosVersion = "V2028",
        MessageIdSkipsZero = true, UnsubscribeTableReturnFixed = true, SubscribeMultiByteLength = true,
        TopicOffset16Bit = true, NetworkConnectErrorsPropagate = true, ErrorAndAckEvents = true,
        SysPubConnackDisconnect = false, PongEvent = true, DisconnectCodeInteger = true, ConnTimeout = true,
        DefensiveParsing = true, AuthReturnsTrue = true, VerifyConstants = true,
        SysWaitMsg = true, VuartBufferMax = 16384, JsonEscapesSlash = false, RtosVersionDetails = true,
    };

    /// <summary>Legacy EC618 release (before V1113, 2024): no pong, float disconnect codes, sys_pub events.</summary>
    public static readonly FirmwareProfile Air780eV1112 = new()
    {
        Name = "air780e-v1112", Model = "Air780E", Bsp = "EC618", RtosVersion = "V1112",
        MessageIdSkipsZero = false, UnsubscribeTableReturnFixed = false, SubscribeMultiByteLength = false,
        TopicOffset16Bit = false, NetworkConnectErrorsPropagate = false, ErrorAndAckEvents = false,
        SysPubConnackDisconnect = true, PongEvent = false, DisconnectCodeInteger = false, ConnTimeout = false,
        DefensiveParsing = false, AuthReturnsTrue = false, VerifyConstants = false,
        SysWaitMsg = false, VuartBufferMax = 8192, JsonEscapesSlash = true, RtosVersionDetails = false,
    };

    public static FirmwareProfile Default => Air780eV1120;

    public static IReadOnlyList<FirmwareProfile> All { get; } = [Air780eV1120, Air780epV2028, Air780eV1112];

    /// <summary>
    /// The profile a user names: its lookup name ("air780e-v1120") or its rtos.version() ("V1120"), case-insensitive.
    /// The one place a profile name is resolved, so the twin, the rigs and the checks can never read a name differently.
    /// </summary>
    public static FirmwareProfile? Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? All.FirstOrDefault(p => string.Equals(p.RtosVersion, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>As <see cref="Find"/>, for a name that must exist.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static FirmwareProfile Get(string name) =>
        Find(name) ?? throw new ArgumentException(
            $"Unknown firmware profile '{name}'. Use one of: {string.Join(", ", All.Select(p => p.Name))} (or its version, e.g. V1120).", nameof(name));
}

/// <summary>A misbehaviour a twin can be given (rig file: module "defects"), each one that a conformance check must catch.</summary>
public enum TwinDefect
{
    /// <summary>QoS1 "sent" is raised as soon as the PUBLISH is written, not on PUBACK.</summary>
    SentBeforePuback,
    /// <summary>PINGREQ every 100% of the keepalive instead of 75%.</summary>
    SlowPing,
    /// <summary>The first TLS connect of each client loses its CONNECT after a complete handshake, as the firmware's race
    /// does (luatos-mqtt-behaviour.md §8, luat_network_adapter.c network_state_connecting): disconnect(0), close.</summary>
    TlsHandshakeRace,
}

public static class TwinDefects
{
    /// <summary>Rig-file names: "sent-before-puback", "slow-ping", "tls-handshake-race".</summary>
    public static IReadOnlyDictionary<string, TwinDefect> ByName { get; } = new Dictionary<string, TwinDefect>
    {
        ["sent-before-puback"] = TwinDefect.SentBeforePuback,
        ["slow-ping"] = TwinDefect.SlowPing,
        ["tls-handshake-race"] = TwinDefect.TlsHandshakeRace,
    };
}
