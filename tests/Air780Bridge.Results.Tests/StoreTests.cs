using System.Data.Common;
using Air780Bridge.Rigs.Reports;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Results.Tests;

/// <summary>The same contract against SQLite and a real PostgreSQL server: each test is written once and run on both.</summary>
public sealed class StoreTests : IDisposable
{
    private readonly TempDirectory _temp = new("results-store-");

    private StoreLocation Sqlite => StoreLocation.Parse(Path.Combine(_temp.Path, "db", "results.db"));

    [Fact] public Task Sqlite_migrates_an_old_store_and_refuses_a_newer_one() => Migrations(Sqlite);
    [PostgresFact] public Task Postgres_migrates_an_old_store_and_refuses_a_newer_one() => OnPostgres(Migrations);

    [Fact] public Task Sqlite_answers_history_yield_and_retests() => HistoryYieldAndRetests(Sqlite);
    [PostgresFact] public Task Postgres_answers_history_yield_and_retests() => OnPostgres(HistoryYieldAndRetests);

    [Fact] public Task Sqlite_an_unreachable_store_fails_nothing_and_import_replays_the_run() => UnreachableThenImport(Sqlite);
    [PostgresFact] public Task Postgres_an_unreachable_store_fails_nothing_and_import_replays_the_run() => OnPostgres(UnreachableThenImport);

    private static async Task OnPostgres(Func<StoreLocation, Task> test)
    {
        await using var db = await ScratchPostgres.CreateAsync();
        await test(db.Location);
    }

    private static async Task Migrations(StoreLocation location)
    {
        await using (var old = await ResultStore.OpenAsync(location, upTo: 1, CancellationToken.None))
        {
            Assert.Equal(1, await old.SchemaVersionAsync());
            await Assert.ThrowsAnyAsync<DbException>(() => Raw(old, "SELECT COUNT(*) FROM timings"));
        }
        await using (var store = await ResultStore.OpenAsync(location, upTo: Results.Migrations.Latest, CancellationToken.None))
        {
            Assert.Equal(Results.Migrations.Latest, await store.SchemaVersionAsync());
            await store.SaveAsync(SampleRuns.A, null);
            Assert.Equal(4L, Convert.ToInt64(await Raw(store, "SELECT COUNT(*) FROM timings")));
            // Opening again changes nothing.
            await using var again = await ResultStore.OpenAsync(location, upTo: Results.Migrations.Latest, CancellationToken.None);
            Assert.Equal(Results.Migrations.Latest, await again.SchemaVersionAsync());
            await Raw(store, "INSERT INTO schema_version (version, description, applied_ms) VALUES (99, 'from the future', 0)");
        }
        var e = await Assert.ThrowsAsync<ResultStoreException>(() => ResultStore.OpenAsync(location));
        Assert.Contains("newer than this air780", e.Message);
    }

    private static async Task HistoryYieldAndRetests(StoreLocation location)
    {
        await using var store = await ResultStore.OpenAsync(location, Results.Migrations.Latest, CancellationToken.None);
        var a = await store.SaveAsync(SampleRuns.A, "/runs/a");
        var b = await store.SaveAsync(SampleRuns.B, "/runs/b");
        Assert.False(a.AlreadyStored);
        Assert.Equal(a, (await store.SaveAsync(SampleRuns.A, "/runs/a")) with { AlreadyStored = false });
        Assert.True((await store.SaveAsync(SampleRuns.A, "/runs/a")).AlreadyStored);

        var history = await store.HistoryAsync(new HistoryQuery(Imei: "860000000000017"));
        Assert.Equal([b.Id, a.Id], history.Select(h => h.RunId));
        var first = history[1];
        Assert.Equal(("s1", "line", "ana", "m1", "V1120", "EC618", "b000017", "1.0", "KnownDeviation"),
            (first.Station, first.Rig, first.Operator, first.Module, first.Firmware, first.Bsp, first.BootId, first.AgentVersion, first.Verdict));
        Assert.Equal((1, 0, 1, 2), (first.Passed, first.Failed, first.KnownDeviations, first.Scenarios));
        Assert.Equal(SampleRuns.T0, first.Started);
        Assert.Equal(Path.GetFullPath(Path.Combine("/runs/a", ReportWriter.HtmlFile)), first.Report);
        var byIccid = await store.HistoryAsync(new HistoryQuery(Iccid: "8986860000000000025"));
        Assert.Equal(("m2", "Fail", 1), (byIccid.Single().Module, byIccid.Single().Verdict, byIccid.Single().Failed));
        Assert.Empty(await store.HistoryAsync(new HistoryQuery(Imei: "999")));

        // Measured values and known deviations are kept with their checks.
        Assert.Equal("PUBACK never sent", await Raw(store, "SELECT c.measured FROM checks c JOIN scenarios s ON s.id = c.scenario_id WHERE s.verdict = 'Fail'"));
        Assert.Equal(1L, Convert.ToInt64(await Raw(store, "SELECT COUNT(*) FROM scenarios WHERE verdict = 'KnownDeviation'")));

        Assert.Equal([("s1", 2, 1), ("s2", 2, 1)], Rows(await store.YieldAsync(new YieldQuery())));
        Assert.Equal([("(no HELLO)", 1, 0), ("V1120", 2, 2), ("V2028", 1, 0)], Rows(await store.YieldAsync(new YieldQuery(By: YieldBy.Firmware))));
        Assert.Equal([("connect.basic", 3, 3), ("keepalive.ping-period", 1, 1), ("publish.qos1", 2, 1)],
            Rows(await store.YieldAsync(new YieldQuery(By: YieldBy.Scenario))));
        Assert.Equal([("s2", 2, 1)], Rows(await store.YieldAsync(new YieldQuery(Since: SampleRuns.T0.AddHours(1)))));
        Assert.Equal([("V1120", 1, 1), ("V2028", 1, 0)], Rows(await store.YieldAsync(new YieldQuery(Station: "s1", By: YieldBy.Firmware))));
        var yield = (await store.YieldAsync(new YieldQuery(By: YieldBy.Firmware))).Single(r => r.Key == "V1120");
        Assert.Equal((1, 100.0), (yield.DistinctModules, yield.YieldPercent));

        // --only-failed: from the store agrees with results.json; the newest run of the rig is the default.
        var retestA = await store.FailedOfAsync(a.Id, "line");
        Assert.Equal(new Dictionary<string, IReadOnlyList<string>> { ["m2"] = ["publish.qos1"] }, retestA!.Failed);
        Assert.Equal(RetestPlan.Of(SampleRuns.A).Failed, retestA.Failed);
        var newest = await store.FailedOfAsync(null, "line");
        Assert.Equal(b.Id, newest!.RunId);
        Assert.Equal(new Dictionary<string, IReadOnlyList<string>> { ["m3"] = [RetestPlan.WholeModule] }, newest.Failed);
        Assert.Null(await store.FailedOfAsync(null, "another-rig"));
        Assert.Null(await store.FailedOfAsync(b.Id + 100, "line"));
    }

    private async Task UnreachableThenImport(StoreLocation location)
    {
        var dir = Path.Combine(_temp.Path, "run-a");
        ReportWriter.WriteAll(SampleRuns.A, dir);
        foreach (var down in new[] { StoreLocation.Parse("postgresql://air780:x@127.0.0.1:1/air780?Timeout=2"), StoreLocation.Parse("/dev/null/results.db") })
        {
            string? said = null;
            Assert.Null(await ResultRecorder.TryStoreAsync(down, SampleRuns.A, dir, m => said = m));
            Assert.Contains(down.Display, said);
            Assert.Contains($"air780 results import {dir}", said);
        }
        await using var store = await ResultStore.OpenAsync(location);
        var imported = await ResultRecorder.ImportAsync(store, dir);
        Assert.False(imported.AlreadyStored);
        Assert.True((await ResultRecorder.ImportAsync(store, Path.Combine(dir, ReportWriter.JsonFile))).AlreadyStored);
        var history = await store.HistoryAsync(new HistoryQuery(Imei: "860000000000025"));
        Assert.Equal(Path.Combine(dir, ReportWriter.HtmlFile), history.Single().Report);
        await Assert.ThrowsAsync<FileNotFoundException>(() => ResultRecorder.ImportAsync(store, Path.Combine(_temp.Path, "nothing")));
    }

    private static List<(string, int, int)> Rows(IEnumerable<YieldRow> rows) => rows.Select(r => (r.Key, r.Tested, r.Passed)).ToList();

    private static async Task<object?> Raw(ResultStore store, string sql)
    {
        await using var db = await store.ConnectAsync(CancellationToken.None);
        await using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteScalarAsync();
    }

    public void Dispose() => _temp.Dispose();
}

public sealed class StoreLocationTests
{
    [Fact]
    public void Postgres_urls_and_key_value_strings_mean_the_server_anything_else_a_sqlite_file()
    {
        var url = StoreLocation.Parse("postgresql://line%401:s3cret@db.local:5433/factory?SSL Mode=Disable");
        Assert.Equal(StoreKind.Postgres, url.Kind);
        Assert.Equal("postgresql://line@1@db.local:5433/factory", url.Display);
        Assert.DoesNotContain("s3cret", url.Display);
        var kv = new Npgsql.NpgsqlConnectionStringBuilder(url.ConnectionString);
        Assert.Equal(("db.local", 5433, "factory", "line@1", "s3cret"), (kv.Host, kv.Port, kv.Database, kv.Username, kv.Password));
        Assert.Equal(StoreKind.Postgres, StoreLocation.Parse("Host=127.0.0.1;Database=air780;Username=u").Kind);
        Assert.Equal(StoreKind.Postgres, StoreLocation.Parse("postgres://h/d").Kind);

        var file = StoreLocation.Parse("results.db");
        Assert.Equal((StoreKind.Sqlite, Path.GetFullPath("results.db")), (file.Kind, file.Display));
        Assert.Equal(Path.GetFullPath("x/host=1.db"), StoreLocation.Parse("Data Source=x/host=1.db").Display);
        Assert.Throws<FormatException>(() => StoreLocation.Parse("postgresql://"));
    }

    [Fact]
    public void The_option_wins_over_the_setting_which_wins_over_the_file_next_to_the_runs()
    {
        Assert.Equal(Path.GetFullPath("a.db"), StoreLocation.Resolve("a.db", "b.db", "runs").Display);
        Assert.Equal(Path.GetFullPath("b.db"), StoreLocation.Resolve(null, "b.db", "runs").Display);
        Assert.Equal(Path.GetFullPath("runs/results.db"), StoreLocation.Resolve(" ", null, "runs").Display);
        Assert.Equal(Path.GetFullPath("artifacts/runs"), StoreLocation.DefaultFolderOf("artifacts/runs/{rig}-{time}"));
        Assert.Equal(Path.GetFullPath("artifacts/runs"), StoreLocation.DefaultFolderOf("artifacts/runs/twin-1/"));
    }
}
