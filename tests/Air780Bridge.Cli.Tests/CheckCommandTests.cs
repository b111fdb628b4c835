using System.Text.Json;
using Air780Bridge.Harness.Timeline;
using Air780Bridge.Tests;

namespace Air780Bridge.Cli.Tests;

/// <summary>`air780 check` as a CI job runs it: arguments validated up front, plain MQTT without a profile.</summary>
public sealed class CheckCommandTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new("check-");

    public void Dispose() => _dir.Dispose();

    /// <summary>A client with keep alive 2 that goes silent 3 s until the broker drops it.</summary>
    private string SilentClient()
    {
        var path = Path.Combine(_dir.Path, "silent.jsonl");
        TimelineEntry[] entries =
        [
            new() { T = 0, Kind = "connection", Type = "open", Conn = "c1" },
            new() { T = 10, Kind = "packet", Dir = "up", Conn = "c1", Type = "CONNECT", Flags = 0, Protocol = "MQTT", Level = 4, ConnectFlags = 0x02, ClientId = "mod", KeepAlive = 2, CleanSession = true, PasswordFlag = false },
            new() { T = 20, Kind = "packet", Dir = "down", Conn = "c1", Type = "CONNACK", Flags = 0, Code = 0, SessionPresent = false },
            new() { T = 600_000, Kind = "packet", Dir = "up", Conn = "c1", Type = "PINGREQ", Flags = 0 },
            new() { T = 3_600_000, Kind = "connection", Type = "close", Conn = "c1", Detail = "broker closed" },
        ];
        File.WriteAllLines(path, entries.Select(Timeline.ToJson));
        return path;
    }

    [Theory]
    [InlineData("--keepalive", "-5", "0..65535")]
    [InlineData("--keepalive", "65536", "0..65535")]
    [InlineData("--autoreconn", "0", "positive")]
    [InlineData("--profile", "V9999", "air780e-v1120")]
    public async Task Out_of_range_arguments_are_usage_errors(string option, string value, string hint)
    {
        var (code, _, stderr) = await Air780.RunAsync(Limit, "check", SilentClient(), option, value);
        Assert.Equal(2, code);
        Assert.Contains($"{option} {value}", stderr);
        Assert.Contains(hint, stderr);
    }

    [Fact]
    public async Task An_expectation_file_out_of_range_is_a_usage_error()
    {
        var expect = Path.Combine(_dir.Path, "expect.json");
        File.WriteAllText(expect, """{"keepAliveSeconds": 70000, "profile": "nope"}""");
        var (code, _, stderr) = await Air780.RunAsync(Limit, "check", SilentClient(), "--expect", expect);
        Assert.Equal(2, code);
        Assert.Contains("keepAliveSeconds 70000", stderr);
        Assert.Contains("profile \"nope\"", stderr);
    }

    [Fact]
    public async Task Without_a_profile_plain_mqtt_is_judged_and_results_name_the_statements()
    {
        var (code, stdout, stderr) = await Air780.RunAsync(Limit, "check", SilentClient(), "--json");
        Assert.True(code == 1, stderr);
        var results = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToList();
        var limit = results.Single(r => r.GetProperty("id").GetString() == "keepalive.limit");
        Assert.Equal("Fail", limit.GetProperty("verdict").GetString());
        Assert.Equal("Client", limit.GetProperty("subject").GetString());
        Assert.Equal(["3.1.2-23"], limit.GetProperty("statements").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["keepalive.limit"], results.Where(r => r.GetProperty("verdict").GetString() == "Fail").Select(r => r.GetProperty("id").GetString()));
        // LuatOS timer rules are not applied to a client that was not said to run LuatOS.
        Assert.Equal("Inconclusive", results.Single(r => r.GetProperty("id").GetString() == "keepalive.ping-period").GetProperty("verdict").GetString());
    }
}
