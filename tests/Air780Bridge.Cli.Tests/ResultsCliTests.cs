using System.Text.Json;
using Air780Bridge.Rigs.Reports;
using Air780Bridge.Rigs.Results;
using Air780Bridge.Station;
using Air780Bridge.Twin;

namespace Air780Bridge.Cli.Tests;

/// <summary>`air780 run` narrowed and rerun, its results stored, and `history`/`yield`/`results import` answering, as a CI job scripts them.</summary>
public sealed class ResultsCliTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _temp = new("cli-results-");
    private readonly string _tag = Guid.NewGuid().ToString("N")[..8];
    private readonly string _rig;

    public ResultsCliTests()
    {
        _rig = Path.Combine(_temp.Path, "pair.json");
        File.WriteAllText(_rig, $$"""
            {
              "name": "pair",
              "modules": [
                { "name": "twin-a", "connection": "twin:", "imei": "{{Imei("a")}}" },
                { "name": "twin-b", "connection": "twin:", "imei": "{{Imei("b")}}", "profile": "air780ep-v2028" }
              ],
              "broker": { "listen": "127.0.0.1:0", "tls": false },
              "suites": [ { "name": "connect" }, { "name": "publish", "include": ["publish.qos0", "publish.qos1"] } ],
              "parallelism": 2,
              "output": "{{_temp.Path}}/runs/{rig}-{time}"
            }
            """);
    }

    [Fact]
    public Task Sqlite_runs_narrowed_and_rerun_are_stored_and_history_and_yield_answer() => RunsAndQueries(Path.Combine(_temp.Path, "line.db"));

    [PostgresFact]
    public Task Postgres_runs_narrowed_and_rerun_are_stored_and_history_and_yield_answer() => RunsAndQueries(RequiredTools.RequirePostgres());

    private async Task RunsAndQueries(string store)
    {
        var station = "cli-" + _tag;
        var first = Path.Combine(_temp.Path, "first");
        var (code, stdout, stderr) = await Air780.RunAsync(Limit, "run", _rig, "--module", "twin-a", "--scenario", "connect.basic", "--scenario", "publish.qos0",
            "--output", first, "--results", store, "--station", station, "--operator", "ci");
        Assert.True(code == 0, stdout + stderr);
        Assert.Matches("stored: run [0-9]+", stdout);
        var run = ResultJson.Deserialize(await File.ReadAllTextAsync(Path.Combine(first, ReportWriter.JsonFile)));
        Assert.Equal(("twin-a", station, "ci"), (Assert.Single(run.Modules).Name, run.Station, run.Operator));
        Assert.Equal(["connect.basic", "publish.qos0"], run.Modules[0].Scenarios.Select(s => s.Id));

        // A run folder that says twin-b failed publish.qos1: --only-failed runs that scenario on that module, nothing else.
        var failed = Path.Combine(_temp.Path, "failed");
        ReportWriter.WriteAll(run with
        {
            Started = run.Started.AddMinutes(-5),
            Modules = [run.Modules[0], run.Modules[0] with { Name = "twin-b", Scenarios = [Scenario("publish.qos1", Verdict.Fail), Scenario("connect.basic", Verdict.Pass)] }],
        }, failed);
        var again = Path.Combine(_temp.Path, "again");
        (code, stdout, stderr) = await Air780.RunAsync(Limit, "run", _rig, "--only-failed", failed, "--output", again, "--results", store, "--station", station);
        Assert.True(code == 0, stdout + stderr);
        var rerun = ResultJson.Deserialize(await File.ReadAllTextAsync(Path.Combine(again, ReportWriter.JsonFile)));
        Assert.Equal(("twin-b", "publish.qos1"), (Assert.Single(rerun.Modules).Name, Assert.Single(rerun.Modules[0].Scenarios).Id));

        // The newest stored run of the rig is the rerun, and it passed.
        (code, stdout, stderr) = await Air780.RunAsync(Limit, "run", _rig, "--only-failed", "--results", store);
        Assert.True(code == 0, stderr);
        Assert.Contains("nothing failed in run", stdout);

        // The hand-made failing run goes in through `results import`, once.
        (code, stdout, stderr) = await Air780.RunAsync(Limit, "results", "import", failed, "--results", store);
        Assert.True(code == 0, stderr);
        Assert.Contains("stored as run", stdout);
        (_, stdout, _) = await Air780.RunAsync(Limit, "results", "import", failed, "--results", store);
        Assert.Contains("already stored", stdout);

        (code, stdout, stderr) = await Air780.RunAsync(Limit, "history", "--imei", Imei("b"), "--results", store, "--json");
        Assert.True(code == 0, stderr);
        var history = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(["Pass"], history.Select(h => h.GetProperty("verdict").GetString()));
        Assert.Equal("V2028", history[0].GetProperty("firmware").GetString());
        (code, stdout, _) = await Air780.RunAsync(Limit, "history", "--imei", Imei("a"), "--results", store);
        Assert.Equal(0, code);
        Assert.Contains($"tests of {Imei("a")}", stdout);
        Assert.Equal(1, (await Air780.RunAsync(Limit, "history", "--imei", Imei("never"), "--results", store)).Code);

        (code, stdout, stderr) = await Air780.RunAsync(Limit, "yield", "--by", "scenario", "--station", station, "--since", "1h", "--results", store, "--json");
        Assert.True(code == 0, stderr);
        var rows = JsonDocument.Parse(stdout).RootElement.EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetString()!, r => (r.GetProperty("tested").GetInt32(), r.GetProperty("passed").GetInt32()));
        // first run: a connect.basic + publish.qos0; rerun: b publish.qos1 (pass); import: a the same again, b publish.qos1 (fail) + connect.basic.
        Assert.Equal(new Dictionary<string, (int, int)> { ["connect.basic"] = (3, 3), ["publish.qos0"] = (2, 2), ["publish.qos1"] = (2, 1) }, rows);
        (code, stdout, _) = await Air780.RunAsync(Limit, "yield", "--station", station, "--results", store);
        Assert.Equal(0, code);
        Assert.Contains(station, stdout);
        Assert.Equal(2, (await Air780.RunAsync(Limit, "yield", "--since", "soon", "--results", store)).Code);
    }

    [Fact]
    public async Task A_store_that_is_down_does_not_fail_the_run_and_says_how_to_replay_it()
    {
        var output = Path.Combine(_temp.Path, "down");
        var (code, stdout, stderr) = await Air780.RunAsync(Limit, "run", _rig, "--module", "twin-a", "--scenario", "connect.basic", "--output", output,
            "--results", "postgresql://air780:x@127.0.0.1:1/none?Timeout=2");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("results not stored in postgresql://air780@127.0.0.1:1/none", stderr);
        Assert.Contains($"air780 results import {output}", stderr);
        Assert.True(File.Exists(Path.Combine(output, ReportWriter.JsonFile)));
    }

    [Fact]
    public async Task A_port_held_by_a_station_stops_the_run_naming_the_holder()
    {
        var port = Path.Combine(_temp.Path, "ttyUSB9");
        File.WriteAllText(port, "");
        var rig = Path.Combine(_temp.Path, "serial.json");
        File.WriteAllText(rig, $$"""{ "name": "bench", "modules": [ { "name": "m1", "connection": "serial://{{port}}" } ] }""");
        using var held = PortLock.TryAcquire($"serial://{port}", "air780 station line slot-3", out _);
        Assert.NotNull(held);
        var (code, _, stderr) = await Air780.RunAsync(Limit, "run", rig, "--results", Path.Combine(_temp.Path, "x.db"));
        Assert.Equal(2, code);
        Assert.Contains($"port serial://{port} is in use by air780 station line slot-3 (pid", stderr);
    }

    private string Imei(string module) => VirtualModule.Imei($"{_tag}/{module}");

    private static ScenarioResult Scenario(string id, Verdict verdict) =>
        new() { Id = id, Title = id, Suite = id.Split('.')[0], Verdict = verdict, Message = verdict == Verdict.Pass ? null : "planted failure" };

    public void Dispose() => _temp.Dispose();
}
