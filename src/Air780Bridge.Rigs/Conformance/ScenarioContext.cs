using System.Text;
using Air780Bridge.Harness.Checks;
using Air780Bridge.Harness.Timeline;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Conformance;

/// <summary>A Lua event the module raised, as the agent forwarded it (docs/protocol.md §6).</summary>
public sealed record ModuleObservation(long T, long Handle, string Name, object?[] Args)
{
    // Older firmware passes some integers as Lua floats (e.g. disconnect codes on v1112), so accept both.
    public long? IntArg(int i) => Args.ElementAtOrDefault(i) switch { long l => l, double d => (long)d, _ => null };
}

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
public sealed class ScenarioContext
{
    private readonly List<JudgedCheck> _checks = [];
    private readonly List<TimingSeries> _timings = [];
    private readonly List<long> _handles = [];
    private readonly ModuleEventLog _events;
    private readonly int _eventCursor;

    public ScenarioContext(IModuleDriver module, IScenarioHarness harness, ModuleEventLog events, string scenarioId, CancellationToken ct)
    {
        Module = module;
        Harness = harness;
        _events = events;
        _eventCursor = events.Count;
        ScenarioId = scenarioId;
        Token = ct;
        StartedUs = TimelineClock.NowUs;
        ClientIdPrefix = $"{module.Name}-{scenarioId}".Replace('.', '-');
    }

    public IModuleDriver Module { get; }
    public IScenarioHarness Harness { get; }
    public string ScenarioId { get; }
    public CancellationToken Token { get; }
    public long StartedUs { get; }

    /// <summary>Every MQTT client id of this scenario starts with this, so its wire traffic can be told apart.</summary>
    public string ClientIdPrefix { get; }

    public FirmwareExpectations Firmware => FirmwareExpectations.For(Module.Profile);

    public IReadOnlyList<JudgedCheck> Checks => _checks;
    public IReadOnlyList<TimingSeries> Timings => _timings;

    /// <summary>The handles this scenario created and has not closed (closed at the end of the scenario).</summary>
    public IReadOnlyList<long> OpenHandles => _handles;

    public string ClientId(string suffix = "c") => $"{ClientIdPrefix}-{suffix}";

    /// <summary>One Lua call on the module, recorded on the timeline.</summary>
    public async Task<object?[]> Lua(string method, params object?[] args)
    {
        var results = await Module.CallAsync(method, args, Token);
        Harness.Record(new TimelineEntry
        {
            T = TimelineClock.NowUs, Kind = "module", Conn = Module.Name, Type = method.Replace("mqtt.", ""),
            Handle = (method == "mqtt.create" ? results.FirstOrDefault() : args.FirstOrDefault()) as long?,
            ClientId = method == "mqtt.auth" ? args.ElementAtOrDefault(1) switch { string s => s, byte[] b => Encoding.UTF8.GetString(b), _ => null } : null,
            Detail = $"({Describe(args.Skip(method == "mqtt.create" ? 0 : 1))}) -> {Describe(results)}",
        });
        return results;
    }

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
        await Lua("mqtt.auth", h, ClientId(suffix), "user", "pass");
        await Lua("mqtt.on", h, true);
        if (configure is not null)
            await configure(h);
        Expect(await Lua("mqtt.connect", h) is [true], "connect() returned true", "connect() did not return true");
        await Event(h, "conack");
        return h;
    }

    public async Task Close(long h)
    {
        await Lua("mqtt.close", h);
        _handles.Remove(h);
    }

    /// <summary>Waits for the next event <paramref name="name"/> of client <paramref name="h"/> raised since the scenario began.</summary>
    public Task<ModuleObservation> Event(long h, string name, TimeSpan? timeout = null, Func<ModuleObservation, bool>? where = null) =>
        _events.WaitAsync(_eventCursor, o => o.Handle == h && o.Name == name && (where is null || where(o)),
            timeout ?? TimeSpan.FromSeconds(20), $"event \"{name}\" on client {h}", Token);

    /// <summary>The first event named <paramref name="name"/> or <paramref name="orName"/> of client <paramref name="h"/>
    /// raised after <paramref name="afterUs"/>.</summary>
    public Task<ModuleObservation> EventAfter(long h, string name, string orName, long afterUs, TimeSpan? timeout = null) =>
        _events.WaitAsync(_eventCursor, o => o.Handle == h && (o.Name == name || o.Name == orName) && o.T > afterUs,
            timeout ?? TimeSpan.FromSeconds(20), $"event \"{name}\" or \"{orName}\" on client {h}", Token);

    /// <summary>Events of client <paramref name="h"/> since the scenario began.</summary>
    public IReadOnlyList<ModuleObservation> Events(long h) => _events.Since(_eventCursor).Where(o => o.Handle == h).ToList();

    /// <summary>An assertion that always becomes a check in the report; a failed one also fails the scenario at the end.</summary>
    public bool Check(string id, string title, string source, bool ok, string? measured = null, string? allowed = null, string? explanation = null)
    {
        _checks.Add(new JudgedCheck(id, title, source, ok ? Verdict.Pass : Verdict.Fail, measured, allowed, explanation));
        return ok;
    }

    /// <summary>A behaviour the firmware is known to have that differs from the spec/doc page.</summary>
    public void Deviation(string id, string title, string source, string measured, string explanation) =>
        _checks.Add(new JudgedCheck(id, title, source, Verdict.KnownDeviation, measured, null, explanation));

    /// <summary>
    /// Runs the harness's wire checks (docs/checks.md) on this scenario's timeline. An inconclusive check is
    /// reported as skipped: the scenario was meant to produce its traffic, so the report shows the gap.
    /// </summary>
    public async Task Judge(CheckExpectation expectation, params string[] checkIds)
    {
        await Harness.SettleAsync(Token);
        var context = new CheckContext(Timeline(), expectation with { ClientId = expectation.ClientId ?? ClientId(), Profile = Module.Profile })
        {
            Tolerances = new CheckTolerances { ClockSkewUs = Harness.ClockUncertaintyUs },
        };
        foreach (var check in CheckCatalogue.All.Where(c => checkIds.Contains(c.Id)))
        {
            var r = check.Evaluate(context);
            var verdict = r.Verdict switch
            {
                CheckVerdict.Pass => Verdict.Pass,
                CheckVerdict.Fail => Verdict.Fail,
                CheckVerdict.KnownDeviation => Verdict.KnownDeviation,
                _ => Verdict.Skipped,
            };
            _checks.Add(new JudgedCheck(r.Id, r.Title, r.Source, verdict, string.Join("; ", r.Measured), r.Allowed, r.Explanation));
        }
    }

    /// <summary>Stops the scenario at once when a precondition fails.</summary>
    public static void Expect(bool condition, string what, string failure)
    {
        if (!condition)
            throw new ScenarioFailedException($"{failure} (expected: {what})");
    }

    public void Timing(string name, IEnumerable<double> valuesMs, double? minMs, double? maxMs) =>
        _timings.Add(new TimingSeries(name, valuesMs.ToList(), minMs, maxMs));

    /// <summary>The scenario's part of the timeline: its connections (by client id) and this module's entries.</summary>
    public IReadOnlyList<TimelineEntry> Timeline()
    {
        var all = Harness.Snapshot().Where(e => e.T >= StartedUs).ToList();
        var conns = all.Where(e => e is { Kind: "packet", Type: "CONNECT" } && e.ClientId?.StartsWith(ClientIdPrefix, StringComparison.Ordinal) == true)
            .Select(e => e.Conn).ToHashSet();
        return all.Where(e => e.Kind == "module" ? e.Conn == Module.Name : e.Conn is not null && conns.Contains(e.Conn)).ToList();
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
