namespace Air780Bridge.Protocol.Messages;

/// <summary>What a module says about itself at boot (docs/protocol.md §4).</summary>
public sealed record HelloInfo
{
    /// <summary>The protocol version the agent uses on this link now (§4.1): 1 from boot until a HELLO_REQ offered more.</summary>
    public int Proto { get; init; }

    /// <summary>Every version the agent speaks; a version-1 agent announces none, which means [1].</summary>
    public IReadOnlyList<int> Protos { get; init; } = [ProtocolVersions.Base];

    public string AgentVersion { get; init; } = "";
    public string FirmwareVersion { get; init; } = "";
    public string Bsp { get; init; } = "";
    public string LuaVersion { get; init; } = "";
    public int IntBits { get; init; }
    public string BootId { get; init; } = "";
    public long UptimeMs { get; init; }
    public string? Imei { get; init; }
    public string? Iccid { get; init; }
    public int? Csq { get; init; }
    public int MaxFrame { get; init; } = Framing.FrameFormat.DefaultMaxFrame;
    public int MaxMessage { get; init; } = 65536;
    public int RxWindow { get; init; } = Framing.FrameFormat.DefaultMaxFrame;
    public int EventQueue { get; init; }
    public int Uart { get; init; }
    public IReadOnlyDictionary<string, long> MqttConstants { get; init; } = new Dictionary<string, long>();

    public static HelloInfo FromMap(IReadOnlyDictionary<object, object?> map)
    {
        string? Text(string key) => MessageCodec.AsText(map.GetValueOrDefault(key));
        long? Int(string key) => map.GetValueOrDefault(key) as long?;
        return new HelloInfo
        {
            Proto = (int)(Int("proto") ?? 0),
            Protos = map.GetValueOrDefault("protos") is object?[] protos
                ? protos.OfType<long>().Where(v => v is > 0 and <= int.MaxValue).Select(v => (int)v).ToArray()
                : [ProtocolVersions.Base],
            AgentVersion = Text("agent") ?? "",
            FirmwareVersion = Text("version") ?? "",
            Bsp = Text("bsp") ?? "",
            LuaVersion = Text("lua") ?? "",
            IntBits = (int)(Int("int_bits") ?? 0),
            BootId = Text("boot_id") ?? "",
            UptimeMs = Int("uptime_ms") ?? 0,
            Imei = Text("imei"),
            Iccid = Text("iccid"),
            Csq = (int?)Int("csq"),
            MaxFrame = (int)(Int("max_frame") ?? Framing.FrameFormat.DefaultMaxFrame),
            MaxMessage = (int)(Int("max_message") ?? 65536),
            RxWindow = (int)(Int("rx_window") ?? Framing.FrameFormat.DefaultMaxFrame),
            EventQueue = (int)(Int("event_queue") ?? 0),
            Uart = (int)(Int("uart") ?? 0),
            MqttConstants = (map.GetValueOrDefault("mqtt") as IReadOnlyDictionary<object, object?> ?? new Dictionary<object, object?>())
                .Where(kv => kv.Key is string && kv.Value is long)
                .ToDictionary(kv => (string)kv.Key, kv => (long)kv.Value!),
        };
    }

    public Dictionary<object, object?> ToMap()
    {
        var map = new Dictionary<object, object?>
        {
            ["proto"] = (long)Proto, ["agent"] = AgentVersion, ["version"] = FirmwareVersion, ["bsp"] = Bsp,
            ["lua"] = LuaVersion, ["int_bits"] = (long)IntBits, ["boot_id"] = BootId, ["uptime_ms"] = UptimeMs,
            ["max_frame"] = (long)MaxFrame, ["max_message"] = (long)MaxMessage, ["rx_window"] = (long)RxWindow,
            ["event_queue"] = (long)EventQueue, ["uart"] = (long)Uart,
            ["mqtt"] = MqttConstants.ToDictionary(kv => (object)kv.Key, kv => (object?)kv.Value),
        };
        if (Protos.Any(v => v != ProtocolVersions.Base)) map["protos"] = Protos.Select(v => (object?)(long)v).ToArray();
        if (Imei is not null) map["imei"] = Imei;
        if (Iccid is not null) map["iccid"] = Iccid;
        if (Csq is not null) map["csq"] = (long)Csq;
        return map;
    }
}
