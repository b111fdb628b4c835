using Air780Bridge.Corpus.Tests.Support;

namespace Air780Bridge.Corpus.Tests;

/// <summary>A missing third-party tool skips a corpus test on a developer machine and fails it under CI.</summary>
public sealed class ToolTests
{
    private static readonly Tool Missing = new("/nonexistent/mosquitto_pub", "mosquitto-clients");
    private static readonly Tool LibraryMissing = new("/bin/sh", "python3-paho-mqtt", "/nonexistent/paho/mqtt/client.py");

    [Fact]
    public void Missing_tool_skips_off_ci_naming_the_package() =>
        Assert.Equal("/nonexistent/mosquitto_pub, /nonexistent/paho/mqtt/client.py not installed (apt-get install -y mosquitto-clients python3-paho-mqtt); CI=true fails instead of skipping",
            ToolFactAttribute.SkipReason([Missing, LibraryMissing], underCi: false));

    [Fact]
    public void Missing_tool_is_not_skipped_under_ci_and_fails_naming_the_package()
    {
        Assert.Null(ToolFactAttribute.SkipReason([Missing], underCi: true));
        var e = Assert.Throws<InvalidOperationException>(() => Missing.Start("-h"));
        Assert.Contains("apt-get install -y mosquitto-clients", e.Message);
        Assert.Contains("/nonexistent/paho/mqtt/client.py is not installed", Assert.Throws<InvalidOperationException>(LibraryMissing.Require).Message);
    }

    [Fact]
    public void Installed_tools_are_not_skipped() => Assert.Null(ToolFactAttribute.SkipReason([new Tool("/bin/sh", "dash")], underCi: false));
}
