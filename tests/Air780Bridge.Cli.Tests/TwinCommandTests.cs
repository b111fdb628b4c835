using System.Net;
using Air780Bridge.Harness;
using Air780Bridge.Harness.Broker;

namespace Air780Bridge.Cli.Tests;

public sealed class TwinCommandTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(new[] { "--link", "memory" }, "the memory link serves only this process")]
    [InlineData(new[] { "--broker", "mqtt://127.0.0.1:1883", "--link", "tcp" }, "leave out --link")]
    [InlineData(new[] { "--broker", "nowhere" }, "is not mqtt://host:port or host:port")]
    [InlineData(new[] { "--broker", "127.0.0.1:1883", "--keepalive", "70000" }, "--keepalive must be 0..65535")]
    public async Task Wrong_load_generator_options_are_usage_errors_that_say_what_to_write(string[] options, string hint)
    {
        var (code, _, stderr) = await Air780.RunAsync(Limit, ["twin", .. options]);
        Assert.Equal(2, code);
        Assert.Contains(hint, stderr);
    }

    [Fact]
    public async Task When_no_twin_reaches_the_broker_it_says_so_and_exits_1()
    {
        var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var (code, _, stderr) = await Air780.RunAsync(Limit, "twin", "--count", "2", "--broker", $"127.0.0.1:{port}");
        Assert.Equal(1, code);
        Assert.Contains($"no twin connected to 127.0.0.1:{port}", stderr);
        Assert.Contains("did not connect", stderr);
    }

    [Fact]
    public async Task With_a_broker_each_twin_connects_one_client_and_the_counts_are_printed()
    {
        await using var broker = await HarnessBroker.StartAsync(new HarnessSettings { BindAddress = IPAddress.Loopback, Port = 0 });
        await using var air780 = Air780.Start("twin", "--count", "2", "--broker", $"mqtt://127.0.0.1:{broker.Plain.Port}", "--keepalive", "30", "--client-id-prefix", "cli");
        Assert.Contains("starting 2 twins", await air780.NextLineAsync(Limit));
        string line;
        do line = await air780.NextLineAsync(Limit);
        while (!line.Contains("connected", StringComparison.Ordinal));
        Assert.StartsWith("2/2 connected, 0 disconnects", line);
        var connects = broker.Timeline.Snapshot().Where(e => e is { Kind: "packet", Type: "CONNECT", Dir: "up" }).ToList();
        Assert.Equal(["cli-1", "cli-2"], connects.Select(e => e.ClientId).Order());
        Assert.All(connects, c => Assert.Equal(30, c.KeepAlive));
    }
}
