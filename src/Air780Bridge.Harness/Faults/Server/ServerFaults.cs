namespace Air780Bridge.Harness.Faults.Server;

/// <summary>Every server fault by name: the one registration point (a new fault is one class plus one line here).</summary>
public static class ServerFaults
{
    public static readonly IReadOnlyList<IServerFault> All =
    [
        new MalformedRemainingLength(), new ReservedFlagBits(), new UnknownPacketType(), new PublishQos3(), new WildcardTopic(),
        new InvalidUtf8Topic(), new SecondConnack(),
        new StrayAck("stray-puback", 0x40), new StrayAck("stray-pubrec", 0x50), new StrayAck("stray-suback", 0x90), new StrayAck("stray-unsuback", 0xB0),
        new SubackFailure(), new PubrelBeforePubrec(), new DuplicateQos2(), new OversizePacket(), new SplitSegments(),
    ];

    private static readonly Dictionary<string, IServerFault> ByName = All.ToDictionary(f => f.Name);

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    public static bool TryGet(string name, out IServerFault fault) => ByName.TryGetValue(name, out fault!);

    public static IServerFault Get(string name) => TryGet(name, out var fault) ? fault
        : throw new ArgumentException($"unknown server fault '{name}'; use {string.Join(", ", Names)}");
}
