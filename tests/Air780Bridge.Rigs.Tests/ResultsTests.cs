using Air780Bridge.Harness.Timeline;
using Air780Bridge.Rigs.Results;

namespace Air780Bridge.Rigs.Tests;

public class ResultsTests
{
    [Theory]
    [InlineData(new[] { Verdict.Pass, Verdict.KnownDeviation, Verdict.Skipped }, Verdict.KnownDeviation)]
    [InlineData(new[] { Verdict.Pass, Verdict.Fail, Verdict.KnownDeviation }, Verdict.Fail)]
    [InlineData(new[] { Verdict.Fail, Verdict.Error }, Verdict.Error)]
    [InlineData(new[] { Verdict.Skipped, Verdict.Pass }, Verdict.Pass)]
    [InlineData(new Verdict[0], Verdict.Skipped)]
    public void Combine_takes_the_worst_verdict(Verdict[] verdicts, Verdict expected) =>
        Assert.Equal(expected, Verdicts.Combine(verdicts));

    [Fact]
    public void Module_error_overrides_scenario_verdicts()
    {
        var m = new ModuleResult { Name = "m", Connection = "twin:", Error = "no HELLO", Scenarios = [new() { Id = "a", Title = "a", Suite = "s", Verdict = Verdict.Pass }] };
        Assert.Equal(Verdict.Error, m.Verdict);
        Assert.False(m.Verdict.IsSuccess());
    }

    [Fact]
    public void Timeline_entries_become_labelled_steps()
    {
        var publish = TimelineSteps.From(new TimelineEntry
        {
            T = 1500, Kind = "packet", Conn = "c2", Dir = "up", Type = "PUBLISH", Qos = 1, PacketId = 7, Dup = true, Topic = "a/b", PayloadSize = 12,
        });
        Assert.Equal(new TimelineStep(1500, "c2", StepDir.Up, "PUBLISH id=7 q1 dup", "a/b  12 B"), publish);

        var connack = TimelineSteps.From(new TimelineEntry { T = 1, Kind = "packet", Conn = "c1", Dir = "down", Type = "CONNACK", Code = 5 });
        Assert.Equal((StepDir.Down, "CONNACK rc=5"), (connack.Dir, connack.Label));

        var connect = TimelineSteps.From(new TimelineEntry { T = 1, Kind = "packet", Conn = "c1", Dir = "up", Type = "CONNECT", ClientId = "imei", KeepAlive = 60, CleanSession = true });
        Assert.Equal("client=imei  keepalive=60s  clean", connect.Detail);

        var module = TimelineSteps.From(new TimelineEntry { T = 2, Kind = "module", Conn = "m1", Type = "disconnect", Code = 3 });
        Assert.Equal((StepDir.Module, "disconnect", "code=3"), (module.Dir, module.Label, module.Detail));

        var steps = TimelineSteps.From([
            new TimelineEntry { T = 3, Kind = "connection", Conn = "c1", Type = "close" },
            new TimelineEntry { T = 4, Kind = "fault", Conn = "c1", Type = "drop", Detail = "PUBACK id=7" },
        ]);
        Assert.Equal(["TCP close", "fault: drop"], steps.Select(s => s.Label));
        Assert.All(steps, s => Assert.Equal(StepDir.Tap, s.Dir));
    }
}
