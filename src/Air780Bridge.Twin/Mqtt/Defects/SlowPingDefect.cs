namespace Air780Bridge.Twin.Mqtt;

/// <summary><see cref="TwinDefect.SlowPing"/>: PINGREQ every 100% of the keepalive instead of 75%.</summary>
internal sealed class SlowPingDefect(IMqttWire inner) : WireDefect(inner)
{
    public override int PingPeriodMs(int keepaliveSeconds) => keepaliveSeconds * 1000;
}
