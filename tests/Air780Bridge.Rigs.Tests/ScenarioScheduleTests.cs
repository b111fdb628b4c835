using Air780Bridge.Client;
using Air780Bridge.Firmware;
using Air780Bridge.Harness.Timeline;
using Air780Bridge.Rigs.Conformance;
using Air780Bridge.Rigs.Results;
using Air780Bridge.Rigs.Run;

namespace Air780Bridge.Rigs.Tests;

/// <summary>
/// Scenarios of one module run side by side (issue 13): exclusive ones alone, the rest at most N at once, longest fixed
/// wait first; each sees only the events and wire of its own clients.
/// </summary>
public sealed class ScenarioScheduleTests
{
    private static readonly FirmwareExpectations Firmware = FirmwareExpectations.For("air780e-v1120");

    private static Scenario S(string id, double waitS = 0, bool exclusive = false) =>
        new(id, "s", id, "", _ => Task.CompletedTask) { FixedWait = _ => TimeSpan.FromSeconds(waitS), Exclusive = exclusive };

    private sealed class Recorder(int openAt)
    {
        private readonly Lock _gate = new();
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _running;
        public List<string> Started { get; } = [];
        public int MaxRunning { get; private set; }
        public List<(string Id, int Running)> ExclusiveStarts { get; } = [];

        /// <summary>Shared scenarios hold until <c>openAt</c> of them run at once, so the test sees them side by side.</summary>
        public async Task<ScenarioResult> Run(Scenario s)
        {
            lock (_gate)
            {
                Started.Add(s.Id);
                MaxRunning = Math.Max(MaxRunning, ++_running);
                if (s.Exclusive) ExclusiveStarts.Add((s.Id, _running));
                if (_running >= openAt) _open.TrySetResult();
            }
            if (!s.Exclusive)
                await _open.Task.WaitAsync(TimeSpan.FromSeconds(30));
            else
                await Task.Yield();
            lock (_gate) _running--;
            return new ScenarioResult { Id = s.Id, Title = s.Title, Suite = s.Suite, Verdict = Verdict.Pass };
        }
    }

    [Fact]
    public async Task Exclusive_scenarios_run_alone_first_and_the_rest_side_by_side_longest_wait_first()
    {
        Scenario[] scenarios = [S("a"), S("reboot", 2, exclusive: true), S("keepalive", 22.5), S("window", 3), S("b"), S("link", exclusive: true)];
        var recorder = new Recorder(openAt: 2);

        var results = await ScenarioSchedule.RunAsync(scenarios, Firmware, concurrency: 2, recorder.Run);

        Assert.Equal(scenarios.Select(s => s.Id), results.Select(r => r.Id));
        Assert.Equal(["reboot", "link", "keepalive", "window", "a", "b"], recorder.Started);
        Assert.Equal([("reboot", 1), ("link", 1)], recorder.ExclusiveStarts);
        Assert.Equal(2, recorder.MaxRunning);
    }

    [Fact]
    public async Task One_at_a_time_keeps_the_declared_order()
    {
        Scenario[] scenarios = [S("a"), S("keepalive", 22.5), S("window", 3), S("b")];
        var recorder = new Recorder(openAt: 1);

        await ScenarioSchedule.RunAsync(scenarios, Firmware, concurrency: 1, recorder.Run);

        Assert.Equal(["a", "keepalive", "window", "b"], recorder.Started);
        Assert.Equal(1, recorder.MaxRunning);
    }

    [Fact]
    public void The_floor_is_the_longest_shared_wait_plus_every_exclusive_one()
    {
        Scenario[] scenarios = [S("a", 3), S("keepalive", 22.5), S("reboot", 2, exclusive: true), S("link", 1.5, exclusive: true)];
        Assert.Equal(TimeSpan.FromSeconds(26), ConformanceSuite.FloorOf(scenarios, "air780e-v1120"));
        // The shipped suite: the keepalive scenario's two pings at 75 % of the clamped 15 s.
        Assert.Equal(TimeSpan.FromSeconds(22.5), ConformanceSuite.FloorOf(ConformanceSuite.All.Where(s => !s.Exclusive), "air780e-v1120"));
    }

    [Fact]
    public void Scenario_ids_whose_client_ids_would_match_each_other_are_refused()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ConformanceSuite.Validate([S("publish.qos1"), S("publish.qos1-held"), S("publish.qos2")]));
        Assert.Contains("publish.qos1 and publish.qos1-held", e.Message);
        Assert.DoesNotContain("qos2", e.Message);
    }

    [Fact]
    public async Task A_wait_on_one_client_ignores_the_events_of_the_others()
    {
        var log = new MqttEventLog();
        var second = log.WaitAsync(2, 0, o => o.Name == "conack", TimeSpan.FromSeconds(30));
        log.Add(new MqttEvent(1, 1, "conack", []));
        Assert.False(second.IsCompleted);
        log.Add(new MqttEvent(2, 2, "conack", []));
        Assert.Equal(2, (await second).Handle);
        Assert.Single(log.Since(1, 0));
        Assert.Empty(log.Since(1, log.Count));
    }

    [Fact]
    public async Task Scenarios_on_one_module_see_only_their_own_connections_and_clients_and_every_host_stall()
    {
        var harness = new TimelineHarness();
        var module = new CreatingModule();
        using var a = new ScenarioContext(module, harness, new MqttEventLog(), "publish.qos1", CancellationToken.None);
        using var b = new ScenarioContext(module, harness, new MqttEventLog(), "publish.qos2", CancellationToken.None);
        var ha = await a.Create(null, "127.0.0.1", 1L);
        var hb = await b.Create(null, "127.0.0.1", 1L);
        var publishOfA = a.WaitForEntryAsync(e => e.Type == "PUBLISH", TimeSpan.FromSeconds(30));

        var t = TimelineClock.NowUs;
        harness.Record(new TimelineEntry { T = t, Kind = "packet", Dir = "up", Conn = "c1", Type = "CONNECT", ClientId = a.ClientId() });
        harness.Record(new TimelineEntry { T = t, Kind = "packet", Dir = "up", Conn = "c2", Type = "CONNECT", ClientId = b.ClientId() });
        harness.Record(new TimelineEntry { T = t, Kind = "packet", Dir = "up", Conn = "c2", Type = "PUBLISH", PacketId = 2 });
        Assert.False(publishOfA.IsCompleted);
        harness.Record(new TimelineEntry { T = t, Kind = "packet", Dir = "up", Conn = "c1", Type = "PUBLISH", PacketId = 1 });
        harness.Record(new TimelineEntry { T = t, Kind = "module", Conn = module.Name, Handle = hb, Type = "sent" });
        // A stall of the host may have made either scenario's timestamps late, so both judge with it; a stall of
        // another twin's thread concerns neither.
        harness.Record(new TimelineEntry { T = t, Kind = "host", Type = "stall", DurationUs = 300_000 });
        harness.Record(new TimelineEntry { T = t, Kind = "host", Type = "stall", Conn = "m2", DurationUs = 200_000 });

        Assert.Equal(1, (await publishOfA)!.PacketId);
        Assert.All(a.Timeline(), e => Assert.True(e.Conn == "c1" || e.Handle == ha || e.Kind == "host", $"{e.Conn} {e.Type} {e.Handle}"));
        Assert.All(b.Timeline(), e => Assert.True(e.Conn == "c2" || e.Handle == hb || e.Kind == "host", $"{e.Conn} {e.Type} {e.Handle}"));
        Assert.Contains(b.Timeline(), e => e is { Type: "sent" });
        Assert.DoesNotContain(a.Timeline(), e => e is { Type: "sent" });
        Assert.All(new[] { a, b }, s => Assert.Single(s.Timeline(), e => e is { Kind: "host", Type: "stall" }));
    }

    /// <summary>A module whose agent hands out handles 1, 2, ... and answers every other call with nothing.</summary>
    private sealed class CreatingModule : IModuleDriver
    {
        private long _next;
        public string Name => "m1";
        public string Profile => "air780e-v1120";

        public Task<object?[]> CallAsync(string method, object?[] args, CancellationToken ct) =>
            Task.FromResult<object?[]>(method == "mqtt.create" ? [Interlocked.Increment(ref _next)] : []);
    }

    /// <summary>A harness that is only its timeline.</summary>
    private sealed class TimelineHarness : IScenarioHarness
    {
        private readonly Harness.Timeline.Timeline _timeline = new();
        public (string Host, int Port) Plain => ("127.0.0.1", 1);
        public (string Host, int Port)? Tls => null;
        public TlsMaterial? TlsMaterial => null;
        public long ClockUncertaintyUs => 0;
        public IReadOnlyList<TimelineEntry> Snapshot() => _timeline.Snapshot();
        public Task SettleAsync(CancellationToken ct) => Task.CompletedTask;
        public void Record(TimelineEntry entry) => _timeline.Append(entry);

        public IDisposable Watch(Action<TimelineEntry> onEntry)
        {
            _timeline.Appended += onEntry;
            return new Unwatch(() => _timeline.Appended -= onEntry);
        }

        public Task DropAsync(string clientId, CancellationToken ct) => throw new NotSupportedException();
        public IDisposable WithholdAck(string clientId, string packetType) => throw new NotSupportedException();
        public IDisposable Refuse(string clientId, int returnCode) => throw new NotSupportedException();
        public IDisposable Mute(string clientId) => throw new NotSupportedException();
        public Task KickWithDuplicateAsync(string clientId, CancellationToken ct) => throw new NotSupportedException();
        public Task<IHarnessPeer> ConnectPeerAsync(string clientId, CancellationToken ct) => throw new NotSupportedException();
        public Task InjectAsync(string clientId, string fault, Air780Bridge.Harness.Faults.Server.ServerFaultArgs args, CancellationToken ct) => throw new NotSupportedException();
        public IDisposable LateConnack(string clientId, TimeSpan delay) => throw new NotSupportedException();

        private sealed class Unwatch(Action undo) : IDisposable
        {
            public void Dispose() => undo();
        }
    }
}
