namespace Air780Bridge.Harness.Checks;

/// <summary>
/// The id of every check in <see cref="CheckCatalogue"/>, so scenarios and reports name checks by constant (a typo is a
/// compile error) and <see cref="CheckCatalogue.Get(string)"/> fails loudly on an unknown one.
/// </summary>
public static class CheckIds
{
    public const string ConnectFields = "connect.fields";
    public const string ConnectPasswordWithoutUsername = "connect.password-without-username";
    public const string KeepalivePingPeriod = "keepalive.ping-period";
    public const string KeepaliveLimit = "keepalive.limit";
    public const string PublishQos1SentAfterPuback = "publish.qos1-sent-after-puback";
    public const string PublishQos2SentAfterPubcomp = "publish.qos2-sent-after-pubcomp";
    public const string PacketIdNonZero = "packet-id.non-zero";
    public const string PacketIdNotReusedInFlight = "packet-id.not-reused-in-flight";
    public const string InboundQos1Puback = "inbound.qos1-puback";
    public const string InboundQos2PubrecPubcomp = "inbound.qos2-pubrec-pubcomp";
    public const string WillOnAbruptLossOnly = "will.on-abrupt-loss-only";
    public const string ReconnectPeriod = "reconnect.period";
    public const string ReconnectNoResend = "reconnect.no-resend";
    public const string SubscribePerTopic = "subscribe.per-topic";
    public const string SubscribeRetainedDelivered = "subscribe.retained-delivered";
    public const string SessionDuplicateClientId = "session.duplicate-client-id";
}
