using Air780Bridge.Client.Transport;

namespace Air780Bridge.Client.Tests;

public class LinkAddressTests
{
    [Fact]
    public void Serial_and_tcp_addresses_parse()
    {
        Assert.Equal(new LinkAddress("serial", "/dev/ttyACM0", 0, 115200, true), LinkAddress.Parse("serial:///dev/ttyACM0"));
        Assert.Equal(new LinkAddress("serial", "COM3", 0, 921600, false), LinkAddress.Parse("serial://COM3?baud=921600&dtr=off"));
        Assert.Equal(new LinkAddress("tcp", "10.0.0.5", 4001, 0, false), LinkAddress.Parse("tcp://10.0.0.5:4001"));
    }

    [Theory]
    [InlineData("ttyACM0", "no scheme")]
    [InlineData("serail:///dev/ttyACM0", "unknown scheme \"serail\"")]
    [InlineData("serial://", "names no port")]
    [InlineData("tcp://host", "tcp://host:port")]
    [InlineData("serial:///dev/ttyACM0?baud=fast", "baud \"fast\"")]
    [InlineData("serial:///dev/ttyACM0?dtr=1", "use dtr=on or dtr=off")]
    [InlineData("serial:///dev/ttyACM0?parity=even", "unknown option \"parity\"; serial options are baud=N and dtr=on|off")]
    [InlineData("tcp://10.0.0.5:4001?baud=9600", "unknown option \"baud\"; tcp: takes no options")]
    [InlineData("twin:x", "write just \"twin:\"")]
    public void Bad_addresses_say_what_to_write(string text, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => LinkAddress.Parse(text)).Message);

    [Theory]
    [InlineData("COM3", "COM3")]
    [InlineData("com12", "com12")]
    [InlineData("/dev/ttyACM0", "/dev/ttyACM0")]
    [InlineData("/dev/cu.usbmodem1101?baud=9600", "/dev/cu.usbmodem1101")]
    [InlineData("serial://auto", "auto")]
    public void Bare_ports_and_auto_are_serial(string text, string port)
    {
        var address = LinkAddress.Parse(text);
        Assert.Equal(("serial", port), (address.Scheme, address.Target));
    }

    [Fact]
    public void The_resource_ignores_options_so_two_spellings_of_one_port_collide()
    {
        Assert.Equal(LinkAddress.Parse("/dev/ttyACM0").Resource, LinkAddress.Parse("serial:///dev/ttyACM0?baud=9600&dtr=off").Resource);
        Assert.Equal("tcp://[::1]:4001", LinkAddress.Parse("tcp://[::1]:4001").Resource);
        Assert.True(LinkAddress.Parse("twin:").IsTwin);
    }

    [Fact]
    public async Task Twin_addresses_cannot_be_opened_by_the_client()
    {
        var e = await Assert.ThrowsAsync<LinkUnavailableException>(() => Transports.OpenAsync(LinkAddress.Parse("twin:"), Serilog.Log.Logger, CancellationToken.None));
        Assert.Contains("air780 run", e.Message);
    }

    [Fact]
    public async Task A_file_that_is_no_serial_port_is_not_called_a_permission_problem()
    {
        var e = await Assert.ThrowsAsync<LinkUnavailableException>(() => Transports.OpenAsync(LinkAddress.Parse("serial:///dev/null"), Serilog.Log.Logger, CancellationToken.None));
        Assert.Contains("/dev/null is not a serial port", e.Message);
        Assert.DoesNotContain("permission", e.Message);
    }

    [Fact]
    public async Task Auto_picks_the_single_agent_port_or_says_why_not()
    {
        var agents = SerialPorts.List().Count(p => p.IsLuatosAgent);
        var open = Transports.OpenAsync(LinkAddress.Parse("serial://auto"), Serilog.Log.Logger, CancellationToken.None);
        if (agents == 1)
        {
            await (await open).DisposeAsync();
            return;
        }
        var e = await Assert.ThrowsAsync<LinkUnavailableException>(() => open);
        Assert.Contains(agents == 0 ? "found no LuatOS agent port (USB VID 19D1, interface 6)" : $"found {agents} LuatOS agent ports", e.Message);
    }

    [Fact]
    public async Task A_missing_serial_port_names_the_alternatives()
    {
        var e = await Assert.ThrowsAsync<LinkUnavailableException>(() =>
            Transports.OpenAsync(LinkAddress.Parse("serial:///dev/ttyNOPE9"), Serilog.Log.Logger, CancellationToken.None));
        Assert.Contains("/dev/ttyNOPE9 does not exist", e.Message);
    }
}
