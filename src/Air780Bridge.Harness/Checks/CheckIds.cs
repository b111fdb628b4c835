namespace Air780Bridge.Harness.Checks;

/// <summary>
/// The id of every check in <see cref="CheckCatalogue"/>, so scenarios and reports name checks by constant (a typo is a
/// compile error) and <see cref="CheckCatalogue.Get(string)"/> fails loudly on an unknown one.
/// </summary>
public static class CheckIds
{
    // The client's packets against plain MQTT 3.1.1.
    public const string PacketWellFormed = "packet.well-formed";
    public const string PacketReservedFlags = "packet.reserved-flags";
    public const string StringsUtf8 = "strings.utf8";
    public const string StringsNoNull = "strings.no-null";
    public const string ConnectFirstPacket = "connect.first-packet";
    public const string ConnectOnce = "connect.once";
    public const string ConnectProtocol = "connect.protocol";
    public const string ConnectReservedFlag = "connect.reserved-flag";
    public const string ConnectWillFlags = "connect.will-flags";
    public const string ConnectPayloadFields = "connect.payload-fields";
    public const string ConnectPasswordWithoutUsername = "connect.password-without-username";
    public const string ConnectEmptyClientId = "connect.empty-client-id";
    public const string KeepaliveLimit = "keepalive.limit";
    public const string PublishQosValid = "publish.qos-valid";
    public const string PublishQos0Dup = "publish.qos0-dup";
    public const string PublishTopicName = "publish.topic-name";
    public const string PublishDupFlag = "publish.dup-flag";
    public const string PublishQos2Pubrel = "publish.qos2-pubrel";
    public const string SubscribeNotEmpty = "subscribe.not-empty";
    public const string SubscribeRequestedQos = "subscribe.requested-qos";
    public const string SubscribeTopicFilters = "subscribe.topic-filters";
    public const string UnsubscribeNotEmpty = "unsubscribe.not-empty";
    public const string PacketIdNonZero = "packet-id.non-zero";
    public const string PacketIdNotReusedInFlight = "packet-id.not-reused-in-flight";
    public const string AckPacketIdMatches = "ack.packet-id-matches";
    public const string InboundQos1Puback = "inbound.qos1-puback";
    public const string InboundQos2PubrecPubcomp = "inbound.qos2-pubrec-pubcomp";
    public const string OrderPuback = "order.puback";
    public const string OrderPubrec = "order.pubrec";
    public const string OrderPubrel = "order.pubrel";
    public const string SessionResendUnacked = "session.resend-unacked";
    public const string OrderResend = "order.resend";
    public const string DisconnectLastPacket = "disconnect.last-packet";
    public const string DisconnectCloses = "disconnect.closes";

    // The module against its configuration and the firmware reference (luatos-mqtt-behaviour.md).
    public const string ConnectFields = "connect.fields";
    public const string KeepalivePingPeriod = "keepalive.ping-period";
    public const string PublishQos1SentAfterPuback = "publish.qos1-sent-after-puback";
    public const string PublishQos2SentAfterPubcomp = "publish.qos2-sent-after-pubcomp";
    public const string ReconnectPeriod = "reconnect.period";
    public const string ReconnectNoResend = "reconnect.no-resend";
    public const string SubscribePerTopic = "subscribe.per-topic";

    // The harness broker, on statements that bind the Server.
    public const string WillOnAbruptLossOnly = "will.on-abrupt-loss-only";
    public const string SubscribeRetainedDelivered = "subscribe.retained-delivered";
    public const string SessionDuplicateClientId = "session.duplicate-client-id";
}
