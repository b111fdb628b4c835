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
    [InlineData("/dev/ttyACM0", "no scheme")]
    [InlineData("serail:///dev/ttyACM0", "unknown scheme \"serail\"")]
    [InlineData("serial://", "names no port")]
    [InlineData("tcp://host", "tcp://host:port")]
    [InlineData("serial:///dev/ttyACM0?baud=fast", "baud \"fast\"")]
    public void Bad_addresses_say_what_to_write(string text, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => LinkAddress.Parse(text)).Message);

    [Fact]
    public async Task A_missing_serial_port_names_the_alternatives()
    {
        var e = await Assert.ThrowsAsync<LinkUnavailableException>(() =>
            Transports.OpenAsync(LinkAddress.Parse("serial:///dev/ttyNOPE9"), Serilog.Log.Logger, CancellationToken.None));
        Assert.Contains("/dev/ttyNOPE9 does not exist", e.Message);
    }
}
