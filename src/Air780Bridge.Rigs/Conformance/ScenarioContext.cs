using Air780Bridge.Client;
using Air780Bridge.Client.Mqtt;
using System.Text;
using Air780Bridge.Harness.Checks;
using Air780Bridge.Harness.Timeline;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Conformance;

/// <summary>The module end of a scenario: raw protocol calls (one per Lua call) and the module's events.</summary>
public interface IModuleDriver
{
    string Name { get; }

    /// <summary>Firmware profile name the expectations follow (e.g. air780e-v1120).</summary>
    string Profile { get; }

    /// <summary>Calls one Lua function through the agent; returns its results with their real count.</summary>
    Task<object?[]> CallAsync(string method, object?[] args, CancellationToken ct);
}

/// <summary>
/// Everything a scenario uses: the module, the harness, its own client ids, assertions that become
/// <see cref="JudgedCheck"/>s, and timing series for the report's charts.
/// </summary>
public sealed class ScenarioContext : IModuleCalls, IDisposable
{
    private readonly List<JudgedCheck> _checks = [];
    private readonly List<TimingSeries> _timings = [];
    private readonly List<long> _handles = [];
    private readonly HashSet<long> _owned = [];
    private readonly HashSet<string> _conns = [];
    private readonly List<(Func<TimelineEntry, bool> Match, TaskCompletionSource<TimelineEntry> Done)> _entryWaiters = [];
    private readonly Lock _wire = new();
    private readonly IDisposable _watch;
    private readonly MqttEventLog _events;
    private readonly int _eventCursor;
    private readonly IReadOnlyList<ICheck> _judges;

    /// <param name="judges">The harness checks <see cref="Judge"/> runs (<see cref="Scenario.Judges"/>).</param>
    /// <param name="attempt">Which run of the scenario this is (<see cref="Run.ScenarioRunner"/>); a later run's client ids differ.</param>
    public ScenarioContext(IModuleDriver module, IScenarioHarness harness, MqttEventLog events, string scenarioId, CancellationToken ct,
        IReadOnlyList<ICheck>? judges = null, int attempt = 1)
    {
        _judges = judges ?? [];
        Module = module;
        Harness = harness;
        _events = events;
        _eventCursor = events.Count;
        ScenarioId = scenarioId;
        Token = ct;
        StartedUs = TimelineClock.NowUs;
        ClientIdPrefix = ClientIdPrefixOf(module.Name, scenarioId) + (attempt > 1 ? $"-run{attempt}" : "");
        _watch = harness.Watch(OnEntry);
    }

    /// <summary>Stops following the harness's timeline; <see cref="Timeline"/> still reads it.</summary>
    public void Dispose() => _watch.Dispose();

    public IModuleDriver Module { get; }
    public IScenarioHarness Harness { get; }
    public string ScenarioId { get; }
    public CancellationToken Token { get; }
    public long StartedUs { get; }

    /// <summary>Every MQTT client id of this scenario starts with this and a '-', so its wire traffic can be told apart
    /// from that of the scenarios running beside it.</summary>
    public string ClientIdPrefix { get; }

    public FirmwareExpectations Firmware => FirmwareExpectations.For(Module.Profile);

    public IReadOnlyList<JudgedCheck> Checks => _checks;
    public IReadOnlyList<TimingSeries> Timings => _timings;

    /// <summary>The handles this scenario created and has not closed (closed at the end of the scenario).</summary>
    public IReadOnlyList<long> OpenHandles => _handles;

    public static string ClientIdPrefixOf(string module, string scenarioId) => $"{module}-{scenarioId}".Replace('.', '-');

    public string ClientId(string suffix = "c") => $"{ClientIdPrefix}-{suffix}";

    /// <summary>One Lua call on the module, recorded on the timeline.</summary>
    public async Task<object?[]> Lua(string method, params object?[] args)
    {
        var results = await Module.CallAsync(method, args, Token);
        // The agent never hands out a handle twice in one boot (and a reboot ends every scenario beside the one that
        // caused it), so the handles a scenario created are its own: their events and calls are what it sees.
        if (method == "mqtt.create" && results.FirstOrDefault() is long created)
            lock (_owned) _owned.Add(created);
        Harness.Record(new TimelineEntry
        {
            T = TimelineClock.NowUs, Kind = "module", Conn = Module.Name, Type = method.Replace("mqtt.", ""),
            Handle = (method == "mqtt.create" ? results.FirstOrDefault() : args.FirstOrDefault()) as long?,
            ClientId = method == "mqtt.auth" ? args.ElementAtOrDefault(1) switch { string s => s, byte[] b => Encoding.UTF8.GetString(b), _ => null } : null,
            Detail = $"({Describe(args.Skip(method == "mqtt.create" ? 0 : 1))}) -> {Describe(results)}",
        });
        return results;
    }

    /// <summary>Client <paramref name="h"/> through the typed proxy the CLI and scripts use; its calls go through
    /// <see cref="Lua"/> (recorded on the timeline). A check of a raw return value (its count and types) calls
    /// <see cref="Lua"/> itself.</summary>
    public LuatMqttClientProxy Mqtt(long h) => new(this, h);

    Task<object?[]> IModuleCalls.CallAsync(string method, object?[] args, CancellationToken ct) => Lua(method, args);

    MqttEventLog IModuleCalls.MqttEvents => _events;

    /// <summary>mqtt.create; fails the scenario when it returns nil.</summary>
    public async Task<long> Create(params object?[] args)
    {
        var results = await Lua("mqtt.create", args);
        if (results.FirstOrDefault() is not long handle)
            throw new ScenarioFailedException($"mqtt.create({Describe(args)}) returned nil");
        _handles.Add(handle);
        return handle;
    }

    /// <summary>create + auth + on + connect against the plain endpoint, then waits for conack.</summary>
    public async Task<long> Connected(string suffix = "c", Func<long, Task>? configure = null)
    {
        var (host, port) = Harness.Plain;
        var h = await Create(null, host, (long)port);
        var client = Mqtt(h);
        await client.AuthAsync(ClientId(suffix), "user", "pass");
        await client.OnAsync();
        if (configure is not null)
            await configure(h);
        Expect(await client.ConnectAsync() == true, "connect() returned true", "connect() did not return true");
        await Event(h, "conack");
        return h;
    }

    public async Task Close(long h)
    {
        await Lua("mqtt.close", h);
        _handles.Remove(h);
    }

    /// <summary>Waits for the next event <paramref name="name"/> of client <paramref name="h"/> raised since the scenario began.</summary>
    public Task<MqttEvent> Event(long h, string name, TimeSpan? timeout = null, Func<MqttEvent, bool>? where = null) =>
        WaitEvent(h, o => o.Name == name && (where is null || where(o)), timeout, $"event \"{name}\" on client {h}");

    /// <summary>The first event named <paramref name="name"/> or <paramref name="orName"/> of client <paramref name="h"/>
    /// raised after <paramref name="afterUs"/>.</summary>
    public Task<MqttEvent> EventAfter(long h, string name, string orName, long afterUs, TimeSpan? timeout = null) =>
        WaitEvent(h, o => (o.Name == name || o.Name == orName) && o.T > afterUs, timeout, $"event \"{name}\" or \"{orName}\" on client {h}");

    private async Task<MqttEvent> WaitEvent(long h, Func<MqttEvent, bool> match, TimeSpan? timeout, string what)
    {
        var wait = timeout ?? TimeSpan.FromSeconds(20);
        try
        {
            return await _events.WaitAsync(h, _eventCursor, match, wait, Token);
        }
        catch (TimeoutException)
        {
            throw new ScenarioFailedException($"no {what} within {wait.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Events of client <paramref name="h"/> since the scenario began.</summary>
    public IReadOnlyList<MqttEvent> Events(long h) => _events.Since(h, _eventCursor);

    /// <summary>An assertion that always becomes a check in the report; a failed one also fails the scenario at the end.</summary>
    public bool Check(string id, string title, string source, bool ok, string? measured = null, string? allowed = null, string? explanation = null)
    {
        _checks.Add(new JudgedCheck(id, title, source, ok ? Verdict.Pass : Verdict.Fail, measured, allowed, explanation) { Statements = Citations.Of(source) });
        return ok;
    }

    /// <summary>A timing the scenario measures itself, judged and charted against the one <paramref name="allowed"/> range.</summary>
    public bool CheckTiming(string id, string title, string source, string series, IReadOnlyList<double> valuesMs, AllowedRange allowed)
    {
        _timings.Add(new TimingSeries(series, valuesMs, allowed.Min, allowed.Max) { CheckId = id });
        return Check(id, title, source, valuesMs.Count > 0 && valuesMs.All(allowed.Contains),
            measured: string.Join(", ", valuesMs.Select(v => $"{v:0} ms")), allowed: allowed.Text("ms"));
    }

    /// <summary>A behaviour the firmware is known to have that differs from the spec/doc page.</summary>
    public void Deviation(string id, string title, string source, string measured, string explanation) =>
        _checks.Add(new JudgedCheck(id, title, source, Verdict.KnownDeviation, measured, null, explanation) { Statements = Citations.Of(source) });

    /// <summary>
    /// Runs the scenario's harness checks (<see cref="Scenario.Judges"/>, docs/checks.md) on its timeline. Verdicts stay
    /// as the checks gave them, Inconclusive included (the scenario was meant to produce the traffic, so the report
    /// shows the gap), with each check's evidence and, for a timing, its measured series against the check's own range.
    /// </summary>
    public async Task Judge(CheckExpectation expectation)
    {
        if (_judges.Count == 0)
            throw new InvalidOperationException($"scenario {ScenarioId} calls Judge but names no checks; list them in its Scenario.Judges");
        await Harness.SettleAsync(Token);
        var context = new CheckContext(Timeline(), expectation with { ClientId = expectation.ClientId ?? ClientId(), Profile = Module.Profile })
        {
            Tolerances = new CheckTolerances { ClockSkewUs = Harness.ClockUncertaintyUs },
        };
        foreach (var check in _judges)
        {
            var r = check.Evaluate(context);
            _checks.Add(Judged(r));
            if (Series(r) is { } series) _timings.Add(series);
        }
    }

    /// <summary>The chart of a timing check: its own measurements against its own allowed range.</summary>
    public static TimingSeries? Series(CheckResult r) =>
        r.Timing is { } t ? new TimingSeries(t.Name, t.ValuesMs, t.Allowed.Min, t.Allowed.Max) { CheckId = r.Id } : null;

    /// <summary>A harness check result as the reports carry it.</summary>
    public static JudgedCheck Judged(CheckResult r) =>
        new(r.Id, r.Title, r.Source, r.Verdict switch
        {
            CheckVerdict.Pass => Verdict.Pass,
            CheckVerdict.Fail => Verdict.Fail,
            CheckVerdict.KnownDeviation => Verdict.KnownDeviation,
            _ => Verdict.Inconclusive,
        }, string.Join("; ", r.Measured), r.Allowed, r.Explanation)
        {
            Evidence = TimelineSteps.From(r.Evidence),
            Statements = r.Statements,
        };

    /// <summary>Stops the scenario at once when a precondition fails.</summary>
    public static void Expect(bool condition, string what, string failure)
    {
        if (!condition)
            throw new ScenarioFailedException($"{failure} (expected: {what})");
    }

    /// <summary>A measurement charted for the reader without an allowed band: only a check draws a band
    /// (<see cref="CheckTiming"/>, <see cref="Judge"/>), so no chart can contradict a verdict.</summary>
    public void Measure(string name, IEnumerable<double> valuesMs) =>
        _timings.Add(new TimingSeries(name, valuesMs.ToList(), null, null));

    /// <summary>
    /// The first entry of <see cref="Timeline"/> that matches, or null when none has arrived within
    /// <paramref name="timeout"/>: the wait ends as the entry is added.
    /// </summary>
    public async Task<TimelineEntry?> WaitForEntryAsync(Func<TimelineEntry, bool> match, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<TimelineEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_wire) _entryWaiters.Add((match, done));
        try
        {
            // Registered first, so an entry added while the timeline is read is not missed.
            if (Timeline().FirstOrDefault(match) is { } seen)
                return seen;
            return await done.Task.WaitAsync(timeout, Token);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            lock (_wire) _entryWaiters.RemoveAll(w => w.Done == done);
        }
    }

    // Every entry the harness adds passes here: the scenario's own (its connections, by the client id of their
    // CONNECT, and its clients' calls and events, by handle) go to its waiters.
    private void OnEntry(TimelineEntry e)
    {
        if (e.T < StartedUs)
            return;
        List<(TaskCompletionSource<TimelineEntry> Done, TimelineEntry Entry)> done = [];
        lock (_wire)
        {
            if (e is { Kind: "packet", Type: "CONNECT", Conn: { } conn } && e.ClientId?.StartsWith(ClientIdPrefix + "-", StringComparison.Ordinal) == true)
                _conns.Add(conn);
            if (_entryWaiters.Count == 0 || !Owns(e))
                return;
            foreach (var waiter in _entryWaiters.Where(w => w.Match(e)).ToList())
            {
                _entryWaiters.Remove(waiter);
                done.Add((waiter.Done, e));
            }
        }
        foreach (var (tcs, entry) in done)
            tcs.TrySetResult(entry);
    }

    private bool Owns(TimelineEntry e)
    {
        if (e.Kind != "module")
            return e.Conn is { } conn && _conns.Contains(conn);
        if (e.Conn != Module.Name || e.Handle is not { } h)
            return false;
        lock (_owned) return _owned.Contains(h);
    }

    /// <summary>The scenario's part of the timeline: its connections (by client id) and the calls and events of its own
    /// clients (by handle), not those of other scenarios running on the same module, and the host's stalls.</summary>
    public IReadOnlyList<TimelineEntry> Timeline()
    {
        var all = Harness.Snapshot().Where(e => e.T >= StartedUs).ToList();
        var own = ClientIdPrefix + "-";
        var conns = all.Where(e => e is { Kind: "packet", Type: "CONNECT" } && e.ClientId?.StartsWith(own, StringComparison.Ordinal) == true)
            .Select(e => e.Conn).ToHashSet();
        HashSet<long> handles;
        lock (_owned) handles = [.. _owned];
        return all.Where(e => e.Kind switch
        {
            "module" => e.Conn == Module.Name && e.Handle is { } h && handles.Contains(h),
            "host" => e.IsHostStall(Module.Name),
            _ => e.Conn is not null && conns.Contains(e.Conn),
        }).ToList();
    }

    public static string Describe(IEnumerable<object?> values) => string.Join(", ", values.Select(Describe));

    private static string Describe(object? value) => value switch
    {
        null => "nil",
        bool b => b ? "true" : "false",
        string s => $"\"{s}\"",
        byte[] bytes => bytes.Length <= 40 && bytes.All(b => b is >= 0x20 and < 0x7F) ? $"\"{Encoding.ASCII.GetString(bytes)}\"" : $"<{bytes.Length} bytes>",
        System.Collections.IDictionary map => "{" + string.Join(", ", map.Keys.Cast<object>().Select(k => $"{k}={Describe(map[k])}")) + "}",
        System.Collections.IEnumerable list => "{" + Describe(list.Cast<object?>()) + "}",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}
