using Air780Bridge.Harness.Timeline;

namespace Air780Bridge.Harness.Checks;

public enum CheckVerdict { Pass, Fail, Inconclusive, KnownDeviation }

/// <summary>Outcome of one check: what was measured, what was allowed, why, and the timeline entries that show it.</summary>
public sealed record CheckResult(
    string Id,
    string Title,
    string Statement,
    string Source,
    CheckVerdict Verdict,
    IReadOnlyList<string> Measured,
    string Allowed,
    string Explanation,
    IReadOnlyList<TimelineEntry> Evidence)
{
    /// <summary>What the verdict is about: the client against MQTT 3.1.1, the firmware against its reference, or the broker.</summary>
    public CheckSubject Subject { get; init; }

    /// <summary>The measured series and the range it was judged against, for checks that judge a timing: a report
    /// draws exactly this, so its chart cannot disagree with the verdict. Null for checks without a numeric range.</summary>
    public CheckTiming? Timing { get; init; }

    /// <summary>Ids ("3.1.2-23") of the MQTT 3.1.1 statements the check judges (<see cref="SpecStatements.ForCheck"/>).</summary>
    public IReadOnlyList<string> Statements { get; init; } = [];
}

/// <summary>
/// Whom a check judges. Only <see cref="Client"/> and <see cref="Firmware"/> verdicts are about the module; a
/// <see cref="Broker"/> check judges the harness broker on a statement that binds the Server.
/// </summary>
public enum CheckSubject
{
    /// <summary>The client's own packets against MQTT 3.1.1; runs without a firmware profile.</summary>
    Client,
    /// <summary>What luatos-mqtt-behaviour.md documents for the firmware (module events, LuatOS timers); needs a profile or module entries.</summary>
    Firmware,
    /// <summary>The broker the module talks to (a statement that binds the Server): a Fail blames the harness, not the module.</summary>
    Broker,
}

/// <summary>An allowed interval; an open side is null. The one place "inside the range" is decided, for verdicts and charts alike.</summary>
public sealed record AllowedRange(double? Min, double? Max)
{
    public static AllowedRange Between(double min, double max) => new(min, max);
    public static AllowedRange AtMost(double max) => new(null, max);

    public bool Contains(double value) => (Min is not { } min || value >= min) && (Max is not { } max || value <= max);

    /// <summary>"4500..7000 ms", "≤ 22500 ms", "≥ 0 ms".</summary>
    public string Text(string unit) => (Min, Max) switch
    {
        ({ } min, { } max) => $"{min:0.#}..{max:0.#} {unit}",
        (null, { } max) => $"≤ {max:0.#} {unit}",
        ({ } min, null) => $"≥ {min:0.#} {unit}",
        _ => "any",
    };
}

/// <summary>What a timing check measured (one value per interval, in ms) and the range it allowed.</summary>
public sealed record CheckTiming(string Name, IReadOnlyList<double> ValuesMs, AllowedRange Allowed);

public sealed record WillExpectation(string Topic, int Qos, bool Retain, int PayloadSize);

/// <summary>What the module was configured with; null means "not configured / do not check".</summary>
/// <remarks>Fields with a default are <c>set</c>, not <c>init</c>: the System.Text.Json source generator fills init-only
/// properties through the constructor and would overwrite an absent field's default with null.</remarks>
public sealed record CheckExpectation
{
    public string? ClientId { get; init; }
    public string? Username { get; init; }
    public bool? PasswordSet { get; init; }
    public bool? CleanSession { get; init; }
    public int? KeepAliveSeconds { get; init; }
    public WillExpectation? Will { get; init; }
    public int? AutoReconnectMs { get; init; }
    /// <summary>Firmware profile name or version ("air780e-v1120", "V1120"; <see cref="FirmwareProfile.Find"/>); decides
    /// which documented deviations apply. Null judges plain MQTT 3.1.1.</summary>
    public string? Profile { get; init; }
    /// <summary>Topics of a table subscribe, for "subscribe.per-topic".</summary>
    public IReadOnlyList<string>? SubscribeTopics { get; init; }

    /// <summary>What the named firmware does, or null when no profile is given.</summary>
    /// <exception cref="ArgumentException">A profile is named that does not exist: judging it as plain MQTT would
    /// turn its documented deviations into failures.</exception>
    public FirmwareExpectations? Firmware => Profile is null ? null : new FirmwareExpectations(FirmwareProfile.Get(Profile));

    /// <summary>Why a keep alive cannot be configured (CONNECT carries it in 16 bits), or null.</summary>
    public static string? KeepAliveProblem(int seconds) => seconds is >= 0 and <= 65535 ? null : "the keep alive is 0..65535 seconds (a 16-bit CONNECT field; 0 disables it)";

    /// <summary>Why an autoreconn period cannot be configured, or null.</summary>
    public static string? AutoReconnectProblem(int ms) => ms > 0 ? null : "the autoreconn period is a positive number of milliseconds";

    /// <summary>Why a profile name cannot be used (it names no firmware build), or null.</summary>
    public static string? ProfileProblem(string name) => FirmwareProfile.Find(name) is null
        ? $"unknown firmware profile; use one of: {string.Join(", ", FirmwareProfile.All.Select(p => $"{p.Name} ({p.RtosVersion})"))}"
        : null;

    /// <summary>Refuses an expectation that could only produce spurious verdicts.</summary>
    /// <exception cref="ArgumentException">The fields that are out of range, each with its rule.</exception>
    public void Validate()
    {
        var problems = new[]
        {
            KeepAliveSeconds is { } ka && KeepAliveProblem(ka) is { } k ? $"keepAliveSeconds {ka}: {k}" : null,
            AutoReconnectMs is { } ar && AutoReconnectProblem(ar) is { } a ? $"autoReconnectMs {ar}: {a}" : null,
            Profile is { } pr && ProfileProblem(pr) is { } p ? $"profile \"{pr}\": {p}" : null,
            Will is { Qos: not (0 or 1 or 2) } w ? $"will.qos {w.Qos}: a QoS is 0, 1 or 2" : null,
        }.OfType<string>().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
    }

    /// <summary>The firmware wraps the message-id counter to 0 (<see cref="FirmwareExpectations.WrapsPacketIdToZero"/>).</summary>
    public bool WrapsPacketIdToZero => Firmware?.WrapsPacketIdToZero ?? false;
}

/// <summary>Tolerances; timing allows ±max(<see cref="TimingMinMs"/>, <see cref="TimingFraction"/> × expected).</summary>
public sealed record CheckTolerances
{
    public double TimingMinMs { get; set; } = 250;
    public double TimingFraction { get; set; } = 0.05;
    /// <summary>How far module-side entries (this machine's clock) and wire entries (a remote tap's clock, shifted)
    /// may be off against each other; order checks between the two allow this much.</summary>
    public long ClockSkewUs { get; init; }
    /// <summary>MQTT sets no deadline for an answer (PUBACK, PUBREL, a close after DISCONNECT): a missing one is a Fail
    /// only when the connection stayed open this long after the packet that asked for it; sooner, the trace cannot tell.</summary>
    public double ResponseWindowMs { get; set; } = 5000;

    public double AllowanceMs(double expectedMs) => Math.Max(TimingMinMs, TimingFraction * expectedMs);
    /// <summary>How far from the moment an interval's end was due (or its start was recorded) a host stall can still have
    /// delayed it: the few hand-offs between threads a timestamp or a twin's timer passes through.</summary>
    public double StallReachMs { get; set; } = 50;
    /// <summary><paramref name="fromUs"/>..<paramref name="toUs"/> judged against <paramref name="expectedMs"/> ± its allowance.</summary>
    public TimedInterval Interval(long fromUs, long toUs, double expectedMs) => new(fromUs, toUs, expectedMs, AllowanceMs(expectedMs));
    public AllowedRange RangeFor(double expectedMs) => AllowedRange.Between(expectedMs - AllowanceMs(expectedMs), expectedMs + AllowanceMs(expectedMs));
    public bool Within(double expectedMs, double measuredMs) => RangeFor(expectedMs).Contains(measuredMs);
    public string Range(double expectedMs) => $"{expectedMs:0} ms ± {AllowanceMs(expectedMs):0} ms";
}

public sealed record CheckContext(IReadOnlyList<TimelineEntry> Timeline, CheckExpectation Expectation)
{
    public CheckTolerances Tolerances { get; set; } = new();
}

/// <summary>A span judged against a timing: expected to last <see cref="ExpectedMs"/> ± <see cref="AllowanceMs"/>, or at most
/// <see cref="ExpectedMs"/> + <see cref="AllowanceMs"/> when only lateness breaks the rule (<see cref="LateOnly"/>).</summary>
public readonly record struct TimedInterval(long FromUs, long ToUs, double ExpectedMs, double AllowanceMs, bool LateOnly = false)
{
    public double Ms => (ToUs - FromUs) / 1000.0;

    /// <summary>How far it lies outside what is allowed (0 inside).</summary>
    public double ExcessMs => Ms > ExpectedMs + AllowanceMs ? Ms - ExpectedMs - AllowanceMs
        : !LateOnly && Ms < ExpectedMs - AllowanceMs ? ExpectedMs - AllowanceMs - Ms : 0;

    /// <summary>
    /// How long the host <paramref name="stalls"/> (<see cref="HostStalls"/>) cover where a stall can have moved this
    /// interval off its expected length, and which of them do. Late: just after its start (a timer started late) and from
    /// when its end was due to when it was recorded; early: before its start was recorded; each widened by
    /// <paramref name="reachMs"/>. A stall in the middle of a wait delays nothing.
    /// </summary>
    public (double Ms, IReadOnlyList<TimelineEntry> Stalls) StalledBy(IReadOnlyList<TimelineEntry> stalls, double reachMs)
    {
        var reach = (long)(reachMs * 1000);
        var offUs = (long)((Ms - ExpectedMs) * 1000);
        (long From, long To)[] windows = offUs > 0
            ? [(FromUs, FromUs + reach + (long)(ExcessMs * 1000)), (ToUs - offUs - reach, ToUs)]
            : [(FromUs + offUs - reach, FromUs)];
        var pieces = new List<(long From, long To)>();
        var hit = new List<TimelineEntry>();
        foreach (var stall in stalls)
            foreach (var (from, to) in windows)
            {
                var (lo, hi) = (Math.Max(stall.T - stall.DurationUs!.Value, from), Math.Min(stall.T, to));
                if (lo >= hi) continue;
                pieces.Add((lo, hi));
                if (!hit.Contains(stall)) hit.Add(stall);
            }
        // The two probes see one stall twice: count the time covered, not the reports.
        long covered = 0, end = long.MinValue;
        foreach (var (from, to) in pieces.OrderBy(p => p.From))
        {
            covered += Math.Max(0, to - Math.Max(from, end));
            end = Math.Max(end, to);
        }
        return (covered / 1000.0, hit);
    }
}

public interface ICheck
{
    string Id { get; }
    string Title { get; }
    string Statement { get; }
    /// <summary>Citations: the MQTT 3.1.1 statements (from <see cref="SpecStatements"/>) and the reference sections.</summary>
    string Source { get; }
    CheckResult Evaluate(CheckContext ctx);
    CheckSubject Subject => CheckSubject.Client;
    /// <summary>The MQTT 3.1.1 statements this check judges.</summary>
    IReadOnlyList<SpecStatement> Statements => SpecStatements.ForCheck(Id);
}
