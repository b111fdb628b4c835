namespace Air780Bridge.Twin.Mqtt;

/// <summary>
/// The seam between the emulated client's state machine and the network: every packet it writes, every
/// PUBACK/PUBCOMP it turns into a "sent" event, and the pace of its PINGREQs. <see cref="FirmwareWire"/> is the
/// firmware's own behaviour; a planted defect (Defects/) wraps it and changes one of these, so the client
/// itself holds no defect.
/// </summary>
internal interface IMqttWire
{
    /// <summary>luat_mqtt_send_packet's network_tx: false when refused (the client then closes the socket).</summary>
    bool Send(MqttConnection connection, byte[] packet);

    /// <summary>A PUBACK (QoS 1) or PUBCOMP (QoS 2) arrived: the publish it names is done.</summary>
    void Acknowledged(byte[] ack);

    /// <summary>The PINGREQ period for a keepalive of <paramref name="keepaliveSeconds"/>.</summary>
    int PingPeriodMs(int keepaliveSeconds);
}
