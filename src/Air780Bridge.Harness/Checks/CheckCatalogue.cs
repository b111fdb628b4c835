namespace Air780Bridge.Harness.Checks;

/// <summary>All behaviour checks, in the order docs/checks.md lists them.</summary>
public static class CheckCatalogue
{
    public static IReadOnlyList<ICheck> All { get; } =
    [
        // The client's own packets against plain MQTT 3.1.1: these judge any client, no profile needed.
        new PacketWellFormedCheck(),
        new PacketReservedFlagsCheck(),
        new StringsCheck(nullCharacter: false),
        new StringsCheck(nullCharacter: true),
        new ConnectOrderCheck(once: false),
        new ConnectOrderCheck(once: true),
        new ConnectProtocolCheck(),
        new ConnectReservedFlagCheck(),
        new ConnectWillFlagsCheck(),
        new ConnectPayloadFieldsCheck(),
        new ConnectPasswordWithoutUsernameCheck(),
        new ConnectEmptyClientIdCheck(),
        new KeepaliveLimitCheck(),
        new PublishQosValidCheck(),
        new PublishQos0DupCheck(),
        new PublishTopicNameCheck(),
        new PublishDupFlagCheck(),
        new Qos2PubrelCheck(),
        new FiltersNotEmptyCheck("SUBSCRIBE"),
        new SubscribeRequestedQosCheck(),
        new SubscribeTopicFiltersCheck(),
        new FiltersNotEmptyCheck("UNSUBSCRIBE"),
        new PacketIdNonZeroCheck(),
        new PacketIdInFlightCheck(),
        new AckPacketIdCheck(),
        new InboundAckCheck(1),
        new InboundAckCheck(2),
        AckOrderCheck.Puback,
        AckOrderCheck.Pubrec,
        AckOrderCheck.Pubrel,
        new SessionResendCheck(order: false),
        new SessionResendCheck(order: true),
        new DisconnectCheck(closes: false),
        new DisconnectCheck(closes: true),
        // The module against its configuration and the firmware reference.
        new ConnectFieldsCheck(),
        new PingPeriodCheck(),
        new OutboundFlowCheck(1),
        new OutboundFlowCheck(2),
        new ReconnectPeriodCheck(),
        new NoResendAfterReconnectCheck(),
        new SubscribePerTopicCheck(),
        // The harness broker, on statements that bind the Server.
        new WillCheck(),
        new RetainedDeliveryCheck(),
        new DuplicateClientIdCheck(),
    ];

    private static readonly Dictionary<string, ICheck> ById = All.ToDictionary(c => c.Id);

    public static IReadOnlyList<CheckResult> Run(CheckContext ctx) => All.Select(c => c.Evaluate(ctx)).ToList();

    /// <summary>The check with this id (<see cref="CheckIds"/>), or null.</summary>
    public static ICheck? Find(string id) => ById.GetValueOrDefault(id);

    /// <exception cref="KeyNotFoundException">No such check: an unknown id would otherwise silently judge nothing.</exception>
    public static ICheck Get(string id) =>
        Find(id) ?? throw new KeyNotFoundException($"no check \"{id}\"; known checks: {string.Join(", ", ById.Keys)}");

    /// <summary>The one catalogue check of type <typeparamref name="T"/>; a type with several instances (e.g. QoS 1 and 2
    /// of one flow) must be named by id instead.</summary>
    public static T Get<T>() where T : ICheck
    {
        var matches = All.OfType<T>().ToList();
        return matches.Count == 1 ? matches[0] : throw new InvalidOperationException(matches.Count == 0
            ? $"{typeof(T).Name} is not in the check catalogue"
            : $"{typeof(T).Name} has {matches.Count} instances ({string.Join(", ", matches.Select(m => m.Id))}); use CheckCatalogue.Get(CheckIds.X)");
    }
}
