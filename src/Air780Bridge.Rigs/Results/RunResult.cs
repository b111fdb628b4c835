using System.Text.Json.Serialization;
using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Rigs.Results;

/// <summary>How one scenario, check, module or run was judged.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Verdict>))]
public enum Verdict
{
    Pass,
    Fail,
    Skipped,
    Error,
    /// <summary>The module behaved as the firmware really does (luatos-mqtt-behaviour.md), which differs from the
    /// documented/spec behaviour. Accepted, but shown.</summary>
    KnownDeviation,
    /// <summary>A check the scenario names could not judge: the trace lacked what it needs (the explanation says
    /// what). Never a pass; a strict run (rig <c>"strict": true</c>) fails the scenario instead.</summary>
    Inconclusive,
}

public static class Verdicts
{
    // Worst first: a module/run takes the worst verdict of its parts.
    private static int Severity(Verdict v) => v switch
    {
        Verdict.Error => 5,
        Verdict.Fail => 4,
        Verdict.Inconclusive => 3,
        Verdict.KnownDeviation => 2,
        Verdict.Pass => 1,
        _ => 0,
    };

    /// <summary>Error &gt; Fail &gt; Inconclusive &gt; KnownDeviation &gt; Pass &gt; Skipped; Skipped when there is nothing to combine.</summary>
    public static Verdict Combine(IEnumerable<Verdict> verdicts) =>
        verdicts.Aggregate(Verdict.Skipped, (worst, v) => Severity(v) > Severity(worst) ? v : worst);

    /// <summary>True for verdicts a CI run treats as green.</summary>
    public static bool IsSuccess(this Verdict v) => v is Verdict.Pass or Verdict.KnownDeviation or Verdict.Skipped or Verdict.Inconclusive;
}

/// <summary>One `air780 run`: a rig, its modules and everything they were judged on.</summary>
public sealed record RunResult
{
    public required string Rig { get; init; }
    /// <summary>The rig file the run was started from, as given on the command line.</summary>
    public string? RigFile { get; init; }
    public DateTimeOffset Started { get; init; }
    public DateTimeOffset Finished { get; init; }
    /// <summary>The test station (PC) that ran it; the results store groups yield by it.</summary>
    public string? Station { get; init; }
    /// <summary>Who ran it, as the operator or the login says.</summary>
    public string? Operator { get; init; }
    /// <summary>The air780 version that judged the run.</summary>
    public string? ToolVersion { get; init; }
    public IReadOnlyList<ModuleResult> Modules { get; set; } = [];
    /// <summary>Every entry the harness recorded in the run (all modules' wire and events); timeline.jsonl, not results.json.</summary>
    [JsonIgnore] public IReadOnlyList<TimelineEntry> Wire { get; init; } = [];

    /// <summary>Per client-side MQTT 3.1.1 statement: how it is covered and what this run's checks judged of it
    /// (derived from <see cref="Modules"/>; written to results.json, recomputed when read back).</summary>
    public IReadOnlyList<StatementResult> Statements => StatementResult.Of(Modules);

    [JsonIgnore] public TimeSpan Duration => Finished - Started;
    [JsonIgnore] public Verdict Verdict => Verdicts.Combine(Modules.Select(m => m.Verdict));
    [JsonIgnore] public VerdictCounts Counts => VerdictCounts.Of(Modules.SelectMany(m => m.Scenarios));
}

/// <summary>What a module said in its HELLO (docs/protocol.md §4); only the fields a report shows.</summary>
public sealed record ModuleHello
{
    public string FirmwareVersion { get; set; } = "";
    public string Bsp { get; set; } = "";
    public string? Imei { get; init; }
    /// <summary>The SIM card's ICCID; null without a SIM.</summary>
    public string? Iccid { get; init; }
    public string BootId { get; set; } = "";
    public string? AgentVersion { get; init; }
}

public sealed record ModuleResult
{
    public required string Name { get; init; }
    /// <summary>Connection string from the rig file (twin:, serial://..., tcp://...).</summary>
    public required string Connection { get; init; }
    /// <summary>Firmware profile the module was judged against.</summary>
    public string? Profile { get; init; }
    /// <summary>Null when the module never answered HELLO.</summary>
    public ModuleHello? Hello { get; init; }
    /// <summary>Why the module could not be run at all (port missing, no HELLO, IMEI mismatch); null when it ran.</summary>
    public string? Error { get; init; }
    public IReadOnlyList<ScenarioResult> Scenarios { get; set; } = [];

    /// <summary>Error when the module could not be run, else the worst scenario verdict.</summary>
    public Verdict Verdict => Error is not null ? Verdict.Error : Verdicts.Combine(Scenarios.Select(s => s.Verdict));

    [JsonIgnore] public VerdictCounts Counts => VerdictCounts.Of(Scenarios);
    [JsonIgnore] public TimeSpan Duration => Scenarios.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Duration);
}

public sealed record ScenarioResult
{
    /// <summary>Stable scenario id, e.g. "keepalive.interval"; rig include/exclude patterns match it.</summary>
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required string Suite { get; init; }
    public Verdict Verdict { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>One line saying why (the first failed check, the exception, the skip reason).</summary>
    public string? Message { get; init; }
    public IReadOnlyList<JudgedCheck> Checks { get; set; } = [];
    /// <summary>The part of the wire timeline the scenario covered, for the sequence diagram.</summary>
    public IReadOnlyList<TimelineStep> Timeline { get; set; } = [];
    public IReadOnlyList<TimingSeries> Timings { get; set; } = [];
}

/// <summary>
/// One check that judged a scenario. Defined here rather than taken from the harness so reports do not
/// depend on how checks are implemented; the run orchestration maps harness results onto it.
/// </summary>
/// <param name="Source">Where the rule comes from, e.g. "MQTT-3.1.2-24" or "luatos-mqtt-behaviour.md §7".</param>
/// <param name="Measured">What was seen, human readable ("61.2 s", "PUBACK id=3").</param>
/// <param name="Allowed">What was acceptable ("<= 90 s", "id 1..65535").</param>
public sealed record JudgedCheck(
    string Id, string Title, string Source, Verdict Verdict, string? Measured, string? Allowed, string? Explanation)
{
    /// <summary>The timeline steps the verdict rests on (the offending packets of a failure); each is also a step
    /// of the scenario's <see cref="ScenarioResult.Timeline"/>, which the sequence diagram marks.</summary>
    public IReadOnlyList<TimelineStep> Evidence { get; set; } = [];

    /// <summary>MQTT 3.1.1 statement ids ("3.1.2-22", <see cref="Air780Bridge.Harness.Checks.SpecStatement.Id"/>) this check judges.</summary>
    public IReadOnlyList<string> Statements { get; set; } = [];
}

/// <summary>Direction values of <see cref="TimelineStep.Dir"/>.</summary>
public static class StepDir
{
    /// <summary>Module to broker.</summary>
    public const string Up = "up";
    /// <summary>Broker to module.</summary>
    public const string Down = "down";
    /// <summary>Module-side: a Lua API call or an event the Lua app received.</summary>
    public const string Module = "module";
    /// <summary>Tap-side: TCP open/close, an injected fault, a malformed packet.</summary>
    public const string Tap = "tap";
}

/// <summary>One arrow of the sequence diagram.</summary>
/// <param name="TUs">Microseconds on the timeline clock.</param>
/// <param name="Conn">Tap connection id ("c1") or module id for module-side steps.</param>
/// <param name="Dir">One of <see cref="StepDir"/>.</param>
/// <param name="Label">Short arrow text, e.g. "PUBLISH id=3 q1".</param>
/// <param name="Detail">Longer text under the arrow, e.g. the topic and payload size.</param>
public sealed record TimelineStep(long TUs, string Conn, string Dir, string Label, string? Detail = null);

/// <summary>A measured timing series and the range the checks allowed, e.g. "keepalive interval" 60 s ± 10 %.</summary>
/// <param name="AllowedMinMs">Lower bound, or null when only an upper bound applies.</param>
/// <param name="AllowedMaxMs">Upper bound, or null when only a lower bound applies.</param>
public sealed record TimingSeries(string Name, IReadOnlyList<double> ValuesMs, double? AllowedMinMs, double? AllowedMaxMs)
{
    /// <summary>The check whose measurement and allowed range this is (<see cref="JudgedCheck.Id"/>).</summary>
    public string? CheckId { get; init; }

    public bool IsAllowed(double valueMs) =>
        (AllowedMinMs is not { } min || valueMs >= min) && (AllowedMaxMs is not { } max || valueMs <= max);
}

public sealed record VerdictCounts(int Pass, int Fail, int Skipped, int Error, int KnownDeviation, int Inconclusive = 0)
{
    public int Total => Pass + Fail + Skipped + Error + KnownDeviation + Inconclusive;

    public static VerdictCounts Of(IEnumerable<ScenarioResult> scenarios) => Of(scenarios.Select(s => s.Verdict));

    public static VerdictCounts Of(IEnumerable<Verdict> verdicts)
    {
        var list = verdicts.ToList();
        int Count(Verdict v) => list.Count(x => x == v);
        return new(Count(Verdict.Pass), Count(Verdict.Fail), Count(Verdict.Skipped), Count(Verdict.Error), Count(Verdict.KnownDeviation), Count(Verdict.Inconclusive));
    }
}
