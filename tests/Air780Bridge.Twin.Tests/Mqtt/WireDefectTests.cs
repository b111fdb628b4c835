using Air780Bridge.Twin.Libraries;
using Air780Bridge.Twin.Mqtt;

namespace Air780Bridge.Twin.Tests.Mqtt;

public sealed class WireDefectTests
{
    static (IMqttWire Wire, List<int> Sent) Planted(params TwinDefect[] defects)
    {
        var sent = new List<int>();
        return (PlantedDefects.Plant(new FirmwareWire(sent.Add), defects), sent);
    }

    [Fact]
    public void Every_defect_a_rig_can_name_has_a_wrapper()
    {
        foreach (var defect in TwinDefects.ByName.Values)
            Assert.IsAssignableFrom<WireDefect>(Planted(defect).Wire);
        Assert.IsType<FirmwareWire>(Planted().Wire);
    }

    [Fact]
    public void Slow_ping_changes_only_the_ping_period()
    {
        Assert.Equal(45000, Planted().Wire.PingPeriodMs(60));
        var (wire, sent) = Planted(TwinDefect.SlowPing);
        Assert.Equal(60000, wire.PingPeriodMs(60));
        wire.Acknowledged(MqttCodec.EncodeAck(MqttCodec.Puback, 7));
        Assert.Equal([7], sent);
    }

    [Fact]
    public void Sent_before_puback_ignores_the_puback_but_not_the_pubcomp()
    {
        var (wire, sent) = Planted(TwinDefect.SentBeforePuback, TwinDefect.SlowPing);
        wire.Acknowledged(MqttCodec.EncodeAck(MqttCodec.Puback, 7));
        wire.Acknowledged(MqttCodec.EncodeAck(MqttCodec.Pubcomp, 8));
        Assert.Equal([8], sent);
        Assert.Equal(60000, wire.PingPeriodMs(60));
    }

    sealed class Clashing(string name) : ILuatLibrary
    {
        public string Name => name;
        public void Register(LuaBindings bindings) => bindings.Function("uart.write", _ => []);
    }

    [Fact]
    public void A_native_registered_by_two_libraries_names_both()
    {
        var e = Assert.Throws<InvalidOperationException>(() => LuaBindings.Of([new Clashing("uart"), new Clashing("usb")]));
        Assert.Contains("'uart.write' is registered by both the uart and the usb library", e.Message);
    }
}
