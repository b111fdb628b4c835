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

    public static IReadOnlyList<CheckResult> Run(CheckContext ctx) => All.Select(c => c.Evaluate(ctx)).ToList();
}
