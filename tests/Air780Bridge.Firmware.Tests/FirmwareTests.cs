using System.Text.RegularExpressions;
using Air780Bridge.Tests;

namespace Air780Bridge.Firmware.Tests;

public class ProfileLookupTests
{
    [Theory]
    [InlineData("air780e-v1120", "air780e-v1120")]
    [InlineData("AIR780E-V1120", "air780e-v1120")]
    [InlineData("V1120", "air780e-v1120")]
    [InlineData("v2028", "air780ep-v2028")]
    [InlineData("air780e-v1112", "air780e-v1112")]
    public void A_profile_is_found_by_its_name_or_its_rtos_version(string given, string expected) =>
        Assert.Equal(expected, FirmwareProfile.Get(given).Name);

    [Fact]
    public void An_unknown_profile_is_an_error_naming_the_known_ones()
    {
        Assert.Null(FirmwareProfile.Find("air780e-v9999"));
        var e = Assert.Throws<ArgumentException>(() => FirmwareProfile.Get("air780e-v9999"));
        Assert.Contains("air780e-v1120", e.Message);
    }

    // Regression: the checks once read the digits out of the name, so "air780e-v1120" read as build 7801120 and a
    // V1120 module's documented wrap to id 0 was judged a failure.
    [Theory]
    [InlineData("air780e-v1120", true)]
    [InlineData("V1120", true)]
    [InlineData("air780e-v1112", true)]
    [InlineData("air780ep-v2028", false)]
    public void Packet_id_wrap_to_zero_comes_from_the_profile_not_from_its_name(string profile, bool wraps) =>
        Assert.Equal(wraps, FirmwareExpectations.For(profile).WrapsPacketIdToZero);

    [Theory]
    [InlineData(60, 45000)]
    [InlineData(15, 11250)]
    [InlineData(1, 750)]
    public void The_ping_period_is_75_percent_in_integer_milliseconds(int keepalive, int periodMs) =>
        Assert.Equal(periodMs, FirmwareExpectations.PingPeriodMs(keepalive));
}

public class MqttApiTests
{
    [Fact]
    public void The_agent_serves_exactly_the_catalogued_functions()
    {
        var agent = File.ReadAllText(Repository.File("firmware-scripts", "br_agent.lua"));
        var served = Regex.Matches(agent, "methods\\[\"mqtt\\.(\\w+)\"\\]").Select(m => m.Groups[1].Value)
            .Concat(Regex.Match(agent, "for _, name in ipairs\\(\\{([^}]*)\\}\\) do\\s+methods\\[\"mqtt\\.\" \\.\\. name\\]").Groups[1].Value
                .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim('"')))
            .ToHashSet();
        Assert.Equal(MqttApi.FunctionNames.Order(), served.Order());
    }

    [Fact]
    public void Only_create_is_called_without_a_client() =>
        Assert.Equal(["create"], MqttApi.Functions.Where(f => !f.TakesClient).Select(f => f.Name));

    [Fact]
    public void Events_are_gated_by_the_build_that_introduced_them()
    {
        var pong = MqttApi.Events.Single(e => e.Name == "pong");
        Assert.False(pong.RaisedOn(FirmwareProfile.Air780eV1112));
        Assert.True(pong.RaisedOn(FirmwareProfile.Air780eV1120));
        Assert.True(MqttApi.Events.Single(e => e.Name == "conack").RaisedOn(FirmwareProfile.Air780eV1112));
    }
}
