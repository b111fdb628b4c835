using System.Text.Json;
using Air780Bridge.Harness.Timeline;
using Air780Bridge.Tests;

namespace Air780Bridge.Cli.Tests;

/// <summary>`air780 check` as CI scripts it: --strict / --require make an unjudged expected rule fail, --json is parsed by other tools.</summary>
public sealed class CheckStrictAndJsonTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new("cli-check-");

    public void Dispose() => _dir.Dispose();

    /// <summary>One client that connects and pings twice 45 s apart (keepalive 60): most checks have nothing to judge.</summary>
    private string Trace()
    {
        TimelineEntry[] entries =
        [
            new() { T = 0, Kind = "connection", Type = "open", Conn = "c1" },
            new() { T = 1_000, Kind = "packet", Dir = "up", Conn = "c1", Type = "CONNECT", ClientId = "dev", KeepAlive = 60, CleanSession = true },
            new() { T = 2_000, Kind = "packet", Dir = "down", Conn = "c1", Type = "CONNACK", Code = 0 },
            new() { T = 45_001_000, Kind = "packet", Dir = "up", Conn = "c1", Type = "PINGREQ" },
            new() { T = 90_001_000, Kind = "packet", Dir = "up", Conn = "c1", Type = "PINGREQ" },
        ];
        var path = Path.Combine(_dir.Path, "trace.jsonl");
        File.WriteAllLines(path, entries.Select(Timeline.ToJson));
        return path;
    }

    [Fact]
    public async Task Nothing_to_judge_passes_plainly_and_fails_under_strict()
    {
        var trace = Trace();
        var (code, _, stderr) = await Air780.RunAsync(Limit, "check", trace);
        Assert.True(code == 0, stderr);

        (code, _, stderr) = await Air780.RunAsync(Limit, "check", trace, "--strict");
        Assert.Equal(1, code);
        Assert.Contains("strict: expected rule publish.qos1-sent-after-puback was not judged", stderr);
    }

    [Fact]
    public async Task Require_names_the_expected_rules()
    {
        var trace = Trace();
        // keepalive.limit is judged by this trace (gaps of 45 s; keep alive 60 s + 5 % tolerance): requiring it passes.
        var (code, _, stderr) = await Air780.RunAsync(Limit, "check", trace, "--keepalive", "60", "--require", "keepalive.limit");
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("strict:", stderr);

        (code, _, stderr) = await Air780.RunAsync(Limit, "check", trace, "--keepalive", "60", "--require", "keepalive.limit", "--require", "reconnect.period");
        Assert.Equal(1, code);
        Assert.Contains("strict: expected rule reconnect.period was not judged", stderr);
        Assert.DoesNotContain("keepalive.limit was not judged", stderr);

        (code, _, stderr) = await Air780.RunAsync(Limit, "check", trace, "--require", "keepalive.limmit");
        Assert.Equal(2, code);
        Assert.Contains("--require keepalive.limmit: no such check", stderr);
    }

    [Fact]
    public async Task Json_has_one_object_per_check_with_range_evidence_and_statements()
    {
        var (code, stdout, stderr) = await Air780.RunAsync(Limit, "check", Trace(), "--json", "--keepalive", "60", "--require", "keepalive.limit");
        Assert.True(code == 0, stderr);
        var checks = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToList();
        Assert.True(checks.Count >= 16, $"{checks.Count} checks");
        foreach (var c in checks)
            foreach (var field in new[] { "id", "verdict", "subject", "measured", "allowed", "explanation", "evidence", "statements", "expected" })
                Assert.True(c.TryGetProperty(field, out _), $"{c.GetProperty("id")} lacks {field}");

        var limit = checks.Single(c => c.GetProperty("id").GetString() == "keepalive.limit");
        Assert.Equal("Pass", limit.GetProperty("verdict").GetString());
        Assert.True(limit.GetProperty("expected").GetBoolean());
        Assert.Equal(63_000, limit.GetProperty("timing").GetProperty("allowed").GetProperty("max").GetDouble());
        Assert.Equal(2, limit.GetProperty("evidence").GetArrayLength());
        Assert.Equal("PINGREQ", limit.GetProperty("evidence")[1].GetProperty("type").GetString());

        var password = checks.Single(c => c.GetProperty("id").GetString() == "connect.password-without-username");
        Assert.Contains("3.1.2-22", password.GetProperty("statements").EnumerateArray().Select(s => s.GetString()));
        Assert.False(password.GetProperty("expected").GetBoolean());
    }
}
