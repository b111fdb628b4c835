using System.Collections.Concurrent;
using System.Net;
using System.Runtime.Versioning;
using Air780Bridge.Rigs.Conformance;
using Air780Bridge.Rigs.Results;
using Air780Bridge.Rigs.RigFiles;
using Air780Bridge.Station;
using Air780Bridge.Twin;
using Serilog;

namespace Air780Bridge.Results.Tests;

/// <summary>
/// A station of twins on a line: modules are plugged into its slots one after another (a twin unplugged,
/// a new one with the next IMEI plugged into the same port), each is tested, shown and stored.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class StationTests : IDisposable
{
    // slot-2's twins carry a planted defect so the line has failures to count.
    // One scenario at a time: the live-page test catches a slot half-way through its module, between its two scenarios.
    private const string RigJson = """
        {
          "name": "line",
          "modules": [
            { "name": "slot-1", "connection": "twin:", "profile": "air780e-v1120" },
            { "name": "slot-2", "connection": "twin:", "profile": "air780ep-v2028", "defects": ["sent-before-puback"] }
          ],
          "broker": { "listen": "127.0.0.1:0", "tls": false },
          "suites": [ { "name": "connect", "include": ["connect.basic"] }, { "name": "publish", "include": ["publish.qos1"] } ],
          "timeouts": { "scenarioSeconds": 60 },
          "scenarioParallelism": 1
        }
        """;

    private readonly TempDirectory _temp = new("station-");
    // Each test gets IMEIs of its own, so nothing another run stored can be mistaken for this one's.
    private readonly string _tag = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_station_of_twins_stores_a_sequence_of_modules_in_sqlite() =>
        await StationIntoStore(StoreLocation.Parse(Path.Combine(_temp.Path, "results.db")));

    [PostgresFact]
    public async Task A_station_of_twins_stores_a_sequence_of_modules_in_postgres()
    {
        await using var db = await ScratchPostgres.CreateAsync();
        await StationIntoStore(db.Location);
    }

    private async Task StationIntoStore(StoreLocation location)
    {
        const int perSlot = 3;
        var line = await RunLineAsync(location, perSlot);
        Assert.Equal(Imeis("slot-1", perSlot), line.Where(v => v.Name == "slot-1").Select(v => v.Last!.Imei));
        Assert.Equal(Imeis("slot-2", perSlot), line.Where(v => v.Name == "slot-2").Select(v => v.Last!.Imei));
        Assert.All(line.Where(v => v.Name == "slot-1"), v => Assert.Equal(("PASS", 2, 0), (v.Last!.Word, v.Last.Counts.Pass, v.Last.Counts.Fail)));
        Assert.All(line.Where(v => v.Name == "slot-2"), v => Assert.Equal("FAIL", v.Last!.Word));
        Assert.All(line, v => Assert.Null(v.Last!.StoreError));
        Assert.Equal(perSlot, line.Last(v => v.Name == "slot-1").Tested);

        await using var store = await ResultStore.OpenAsync(location);
        foreach (var (slot, imei) in Imeis("slot-1", perSlot).Select(i => ("slot-1", i)).Concat(Imeis("slot-2", perSlot).Select(i => ("slot-2", i))))
        {
            var entry = Assert.Single(await store.HistoryAsync(new HistoryQuery(Imei: imei)));
            Assert.Equal(("line-1", "line", slot, "op"), (entry.Station, entry.Rig, entry.Module, entry.Operator));
            Assert.Equal(slot == "slot-1" ? "Pass" : "Fail", entry.Verdict);
            Assert.Equal("8986" + imei[..15], entry.Iccid);
            Assert.False(string.IsNullOrEmpty(entry.BootId));
            Assert.True(File.Exists(entry.Report), entry.Report);
        }
        Assert.Equal([("line-1", 6, 3)], Rows(await store.YieldAsync(new YieldQuery())));
        Assert.Equal([("V1120", 3, 3), ("V2028", 3, 0)], Rows(await store.YieldAsync(new YieldQuery(By: YieldBy.Firmware))));
        Assert.Equal([("connect.basic", 6, 6), ("publish.qos1", 6, 3)], Rows(await store.YieldAsync(new YieldQuery(By: YieldBy.Scenario, Station: "line-1"))));
        Assert.Empty(await store.YieldAsync(new YieldQuery(Since: DateTimeOffset.UtcNow.AddMinutes(1))));
    }

    [ChromiumRequiredFact]
    public async Task The_operator_page_shows_each_slot_live_and_its_last_result_in_chromium()
    {
        RequiredTools.RequireChromium();
        var shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);
        var location = StoreLocation.Parse(Path.Combine(_temp.Path, "results.db"));
        OperatorPage? page = null;
        string? liveDom = null;
        var line = await RunLineAsync(location, perSlot: 2, onChange: (station, view) =>
        {
            // While slot-1 tests its second module, half-way: the page must show that live, next to the first module's result.
            if (liveDom is null && view is { Name: "slot-1", State: SlotState.Testing, Tested: 1, ScenariosDone: 1, CurrentScenario: "publish.qos1" } && page is not null)
            {
                liveDom = HeadlessChromium.DumpDom(page.Address.AbsoluteUri);
                HeadlessChromium.Screenshot(page.Address.AbsoluteUri, Path.Combine(shots, "operator-page-live.png"), 1400, 900, minBytes: 20_000);
            }
        }, startPage: async station => page = await OperatorPage.StartAsync(station, IPAddress.Loopback, 0), keepRunning: async station =>
        {
            Assert.NotNull(liveDom);
            Assert.Contains("id=\"slot-slot-1\" data-state=\"Testing\"", liveDom);
            Assert.Contains("1/2 · publish.qos1", liveDom);
            Assert.Contains($"data-imei=\"{Imeis("slot-1", 2)[0]}\"", liveDom);
            Assert.Contains("data-refreshed=\"yes\"", liveDom);

            var final = HeadlessChromium.DumpDom(page!.Address.AbsoluteUri);
            HeadlessChromium.Screenshot(page.Address.AbsoluteUri, Path.Combine(shots, "operator-page.png"), 1400, 900, minBytes: 20_000);
            Assert.Matches($"<div class=\"verdict PASS\" data-imei=\"{Imeis("slot-1", 2)[1]}\"><div class=\"word\">PASS</div>", final);
            Assert.Matches($"<div class=\"verdict FAIL\" data-imei=\"{Imeis("slot-2", 2)[1]}\"><div class=\"word\">FAIL</div>", final);

            using var http = new HttpClient { BaseAddress = page.Address };
            var slot1 = station.Slots.Single(s => s.Name == "slot-1").Last!;
            Assert.Contains($"href=\"/reports/{slot1.Report}\"", final);
            Assert.Contains("<html", await http.GetStringAsync("/reports/" + slot1.Report));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/reports/../results.db")).StatusCode);
            var history = await http.GetStringAsync("/history/" + slot1.Imei);
            Assert.Contains($"Module {slot1.Imei}: 1 tests", history);
            Assert.Contains("<td class=\"PASS\">PASS (Pass)</td>", history);

            // Stop and Start: refused without the page's header (a form on another site cannot send it).
            Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("/api/stop", null)).StatusCode);
            Assert.True(station.IsRunning);
            using var stop = new HttpRequestMessage(HttpMethod.Post, "/api/stop") { Headers = { { OperatorPage.CommandHeader, "stop" } } };
            Assert.Equal(HttpStatusCode.NoContent, (await http.SendAsync(stop)).StatusCode);
            Assert.False(station.IsRunning);
            Assert.Contains("data-running=\"no\"", HeadlessChromium.DumpDom(page.Address.AbsoluteUri));
            using var start = new HttpRequestMessage(HttpMethod.Post, "/api/start") { Headers = { { OperatorPage.CommandHeader, "start" } } };
            await http.SendAsync(start);
            Assert.True(station.IsRunning);
            Assert.Contains("\"running\":true", await http.GetStringAsync("/api/state"));
        });
        await using (page) { }
        Assert.Equal(4, line.Count);
    }

    [Fact]
    public async Task A_port_another_process_holds_is_reported_not_opened()
    {
        var port = Path.Combine(_temp.Path, "ttyACM7");
        await File.WriteAllTextAsync(port, "");
        var locks = Path.Combine(_temp.Path, "locks");
        using var held = PortLock.TryAcquire($"serial://{port}", "air780 run bench slot", out _, locks);
        var rig = RigFile.Parse(RigJson, "line.json", new RigLoadOptions { KnownSuites = ConformanceSuite.Suites })
            with { Modules = [new RigModule { Name = "slot-7", Connection = $"serial://{port}" }] };
        var station = new StationRunner(rig, Options(StoreLocation.Parse(Path.Combine(_temp.Path, "r.db"))) with { LockDirectory = locks }, null, Log.Logger);
        var busy = new TaskCompletionSource<SlotView>(TaskCreationOptions.RunContinuationsAsynchronously);
        station.SlotChanged += v => { if (v.State == SlotState.PortBusy) busy.TrySetResult(v); };
        using var cts = new CancellationTokenSource();
        var work = station.RunAsync(cts.Token);
        var view = await busy.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("held by air780 run bench slot (pid", view.Message);
        Assert.Equal(0, view.Tested);
        cts.Cancel();
        await work;
    }

    [Fact]
    public void A_twin_slot_without_a_port_is_refused_with_the_fix()
    {
        var rig = RigFile.Parse(RigJson, "line.json", new RigLoadOptions { KnownSuites = ConformanceSuite.Suites });
        var e = Assert.Throws<ArgumentException>(() => new StationRunner(rig, Options(StoreLocation.Parse("x.db")), null, Log.Logger));
        Assert.Contains("slot slot-1 is twin:", e.Message);
    }

    /// <summary>Runs the line until every slot has tested <paramref name="perSlot"/> modules; returns each result as the slots showed it.</summary>
    private async Task<List<SlotView>> RunLineAsync(StoreLocation location, int perSlot, Action<StationRunner, SlotView>? onChange = null,
        Func<StationRunner, Task>? startPage = null, Func<StationRunner, Task>? keepRunning = null)
    {
        var rig = RigFile.Parse(RigJson, "line.json", new RigLoadOptions { KnownSuites = ConformanceSuite.Suites });
        using var feeder = new TwinFeeder(rig, Path.Combine(_temp.Path, "pty"), (slot, n) => n <= perSlot ? Imeis(slot, perSlot)[n - 1] : null);
        var station = new StationRunner(feeder.Rig, Options(location), null, Log.Logger);
        var shown = new ConcurrentQueue<SlotView>();
        station.SlotChanged += v =>
        {
            if (v.State == SlotState.RemoveModule)
                shown.Enqueue(v);
            onChange?.Invoke(station, v);
        };
        if (startPage is not null)
            await startPage(station);
        using var cts = new CancellationTokenSource();
        feeder.Attach(station);
        var work = station.RunAsync(cts.Token);
        try
        {
            await feeder.Exhausted.WaitAsync(TimeSpan.FromMinutes(5));
            if (keepRunning is not null)
                await keepRunning(station);
        }
        finally
        {
            cts.Cancel();
            await work;
        }
        return shown.ToList();
    }

    private StationOptions Options(StoreLocation location) => new()
    {
        Station = "line-1", Operator = "op", OutputRoot = Path.Combine(_temp.Path, "out"), Store = location,
        LockDirectory = Path.Combine(_temp.Path, "locks"), PollInterval = TimeSpan.FromMilliseconds(50),
    };

    private List<string> Imeis(string slot, int count) => Enumerable.Range(1, count).Select(n => VirtualModule.Imei($"{_tag}/{slot}/{n}")).ToList();

    private static List<(string, int, int)> Rows(IEnumerable<YieldRow> rows) => rows.Select(r => (r.Key, r.Tested, r.Passed)).ToList();

    public void Dispose() => _temp.Dispose();
}
