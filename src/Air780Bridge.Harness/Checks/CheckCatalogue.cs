namespace Air780Bridge.Harness.Checks;

/// <summary>All behaviour checks, in the order docs/checks.md lists them.</summary>
public static class CheckCatalogue
{
    public static IReadOnlyList<ICheck> All { get; } =
    [
        new ConnectFieldsCheck(),
        new ConnectPasswordWithoutUsernameCheck(),
        new PingPeriodCheck(),
        new KeepaliveLimitCheck(),
        new OutboundFlowCheck(1),
        new OutboundFlowCheck(2),
        new PacketIdNonZeroCheck(),
        new PacketIdInFlightCheck(),
        new InboundAckCheck(1),
        new InboundAckCheck(2),
        new WillCheck(),
        new ReconnectPeriodCheck(),
        new NoResendAfterReconnectCheck(),
        new SubscribePerTopicCheck(),
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
